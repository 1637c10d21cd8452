// The backlog bench's view of its child processes: IPC request/reply with each, and the publisher's resident memory
// read from the kernel (/proc/<pid>/status) rather than reported by the process itself, so a busy event loop in the
// child cannot delay or skip a sample.
import { readFileSync, writeFileSync } from 'node:fs';
import { ForkedPeer } from './forked-peer.mjs';

/** A forked backlog script (forked-peer.mjs's IPC request/reply), stopped with SIGTERM: it closes its bus on it. */
export class ChildScript extends ForkedPeer {
  constructor(script, args, label) {
    super(script, label, () => 60_000, args);
  }

  /** SIGTERM, SIGKILL if still running after 15 s. Resolves once exited, with its code and signal. */
  async terminate() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/** VmRSS and VmHWM (peak RSS since start or since resetPeak) of a process, in bytes; undefined once it is gone. */
export function readRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return undefined;
  }
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process we own (Linux ≥ 4.0); false where that is not allowed. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples a process's RSS every `intervalMs` until stop(), which returns the samples' peaks (total, anonymous and
 * file-backed, each its own maximum) and, when the kernel's peak mark could be reset at start, the kernel's peak of
 * the total too (it sees spikes between two samples); `peak` is the larger of the two.
 */
export function sampleRss(pid, intervalMs) {
  const exact = resetPeak(pid);
  const peaks = { rss: 0, hwm: 0, anon: 0, file: 0 };
  const sample = () => {
    const now = readRss(pid);
    if (now !== undefined) for (const field of Object.keys(peaks)) peaks[field] = Math.max(peaks[field], now[field]);
    return now;
  };
  const first = sample();
  const timer = setInterval(sample, intervalMs);
  return {
    start: first,
    stop() {
      clearInterval(timer);
      sample();
      return { sampled: peaks.rss, kernel: exact ? peaks.hwm : undefined, peak: exact ? Math.max(peaks.rss, peaks.hwm) : peaks.rss, anon: peaks.anon, file: peaks.file };
    },
  };
}
