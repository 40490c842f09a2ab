// Following a task's log as it grows: each read asks the engine only for the bytes past
// those already shown (an HTTP Range request, `bytes=N-`), so a running task's log is
// appended to without fetching it again. The engine's /logs/ route answers 206 with the new
// bytes, 416 when there are none yet, or 200 with the whole log when it ignores the range.
import { useEffect, useRef, useState } from "preact/hooks";

export type Fetch = (path: string, init: RequestInit) => Promise<Response>;

export class LogTail {
  text = "";
  private offset = 0;
  private decoder = new TextDecoder();

  constructor(
    private readonly path: string,
    private readonly fetchFn: Fetch = (p, i) => fetch(p, i),
  ) {}

  // Reads what was written since the last read; true when the text changed.
  async read(): Promise<boolean> {
    const headers: Record<string, string> = this.offset > 0 ? { Range: `bytes=${this.offset}-` } : {};
    const res = await this.fetchFn(this.path, { headers, cache: "no-store" });
    if (res.status === 416) return false; // nothing past what we have
    if (!res.ok) throw new Error(`log ${this.path}: ${res.status} ${(await res.text()).trim()}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 206) {
      // The whole log: start over (a multi-byte character split across reads stays whole
      // because the decoder is streaming).
      this.decoder = new TextDecoder();
      this.text = "";
      this.offset = 0;
    }
    if (bytes.length === 0) return false;
    this.offset += bytes.length;
    this.text += this.decoder.decode(bytes, { stream: true });
    return true;
  }
}

// The text of the log at `path` (empty: none), re-read every `intervalMs` while `follow`,
// and once more when `follow` turns false (the task ended).
export function useLogTail(path: string, follow: boolean, intervalMs = 1000): { text?: string; error?: string } {
  const [state, setState] = useState<{ text?: string; error?: string }>({});
  const tail = useRef<LogTail>();
  useEffect(() => {
    if (!path) return;
    if (!tail.current) tail.current = new LogTail(path);
    const t = tail.current;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const changed = await t.read();
        if (!live) return;
        if (changed || state.text === undefined) setState({ text: t.text });
      } catch (e) {
        if (!live) return;
        setState({ text: t.text, error: (e as Error).message });
      }
      if (live && follow) timer = setTimeout(run, intervalMs);
    };
    run();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, follow]);
  return state;
}
