/**
 * Named places where a crash matters. A test (or the chaos suite) starts a process with
 * `RESOLUTE_FAULT=<point>[:<n>]` and the process kills itself with SIGKILL the n-th time (default: first) it passes
 * that point: no cleanup, no flush, exactly like a power cut at that line.
 */
export type FaultPoint =
  | 'after-outbox-write'
  | 'after-send'
  | 'after-outbox-delete'
  | 'after-inbox-write'
  | 'before-ack'
  | 'after-handler'
  | 'after-inbox-complete';

function parse(spec: string | undefined): { point: string; remaining: number } | undefined {
  if (!spec) return undefined;
  const [point, count] = spec.split(':');
  const n = Number(count ?? '1');
  return point ? { point, remaining: Number.isFinite(n) && n > 0 ? n : 1 } : undefined;
}

// Read once at start: a hot path pays one comparison when no fault is armed.
const armed = parse(process.env.RESOLUTE_FAULT);

export function faultPoint(point: FaultPoint): void {
  if (armed === undefined || armed.point !== point) return;
  armed.remaining -= 1;
  if (armed.remaining <= 0) process.kill(process.pid, 'SIGKILL');
}
