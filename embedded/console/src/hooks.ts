// Loading data: one fetch, or a poll that keeps the last good value while it refreshes.
import { useLayoutEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

// Runs `load` when `deps` change, then every `intervalMs` while `keepPolling(data)` says so.
export function usePoll<T>(
  load: () => Promise<T>,
  deps: unknown[],
  intervalMs = 0,
  keepPolling: (data: T) => boolean = () => true,
): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // A layout effect: the request leaves as soon as the page is rendered, not a frame later.
  useLayoutEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (!live) return;
        setState({ data, loading: false });
        if (intervalMs > 0 && keepPolling(data)) timer = setTimeout(run, intervalMs);
      } catch (e) {
        if (!live) return;
        setState((s) => ({ data: s.data, error: (e as Error).message, loading: false }));
        if (intervalMs > 0) timer = setTimeout(run, intervalMs * 3);
      }
    };
    setState((s) => ({ ...s, loading: true }));
    run();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export const useLoad = <T>(load: () => Promise<T>, deps: unknown[]) => usePoll(load, deps, 0);
