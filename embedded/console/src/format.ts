// Phases, times and durations as the console shows them.

export const terminalExecutionPhases = new Set(["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"]);
export const terminalNodePhases = new Set([
  "SUCCEEDED",
  "FAILED",
  "ABORTED",
  "SKIPPED",
  "TIMED_OUT",
  "RECOVERED",
]);

export const executionPhases = [
  "UNDEFINED",
  "QUEUED",
  "RUNNING",
  "SUCCEEDING",
  "SUCCEEDED",
  "FAILING",
  "FAILED",
  "ABORTING",
  "ABORTED",
  "TIMED_OUT",
];

// A phase's colour class: one of ok, bad, run, wait, skip.
export function phaseClass(phase: string | undefined): string {
  switch (phase ?? "UNDEFINED") {
    case "SUCCEEDED":
    case "RECOVERED":
      return "ok";
    case "FAILED":
    case "FAILING":
    case "TIMED_OUT":
      return "bad";
    case "RUNNING":
    case "SUCCEEDING":
    case "DYNAMIC_RUNNING":
    case "INITIALIZING":
      return "run";
    case "ABORTED":
    case "ABORTING":
    case "SKIPPED":
      return "skip";
    default:
      return "wait";
  }
}

export function phaseLabel(phase: string | undefined): string {
  const p = phase ?? "UNDEFINED";
  return p === "UNDEFINED" ? "Unknown" : p.charAt(0) + p.slice(1).toLowerCase().replace(/_/g, " ");
}

// A protobuf Duration in JSON ("12.5s") in seconds.
export function parseDuration(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(d);
  return m ? Number(m[1]) : undefined;
}

export function formatSeconds(s: number | undefined): string {
  if (s === undefined || !isFinite(s)) return "";
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

// Duration of something that started at `startedAt` and lasted `duration` (or is still
// running when `running`, measured to `now`).
export function elapsed(
  startedAt: string | undefined,
  duration: string | undefined,
  running: boolean,
  now = Date.now(),
): string {
  const d = parseDuration(duration);
  if (d !== undefined && d > 0) return formatSeconds(d);
  if (running && startedAt) return formatSeconds((now - Date.parse(startedAt)) / 1000);
  return "";
}

export function formatTime(t: string | undefined): string {
  if (!t) return "";
  const d = new Date(t);
  if (isNaN(d.getTime()) || d.getTime() <= 0) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

export function modeLabel(mode: string | undefined): string {
  switch (mode ?? "MANUAL") {
    case "SCHEDULED":
      return "scheduled";
    case "RELAUNCH":
      return "relaunch";
    case "CHILD_WORKFLOW":
      return "child";
    case "RECOVERED":
      return "recovered";
    case "SYSTEM":
      return "system";
    default:
      return "manual";
  }
}
