// The backlog bench's view of its child processes: IPC request/reply with each, and the publisher's resident memory
// read from the kernel (/proc/<pid>/status) rather than reported by the process itself, so a busy event loop in the
// child cannot delay or skip a sample.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** A forked script that talks over IPC: `call` sends a command and waits for a reply of a given type. */
export class ChildScript {
  constructor(script, args, label) {
    this.label = label;
    this.queue = [];
    this.waiters = [];
    this.listeners = new Map();
    this.failure = undefined;
    this.child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.pid = this.child.pid;
    this.child.on('message', (message) => {
      if (message.type === 'error') return this.fail(new Error(`${label}: ${message.message}`));
      const listener = this.listeners.get(message.type);
      if (listener !== undefined) return listener(message);
      this.queue.push(message);
      this.dispatch();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.once('exit', (code, signal) => this.fail(new Error(`${label} exited (code ${code}, signal ${signal})`)));
  }

  /** Messages of `type` go to `listener` instead of the queue (progress and stats reports). */
  on(type, listener) {
    this.listeners.set(type, listener);
  }

  call(message, expect, timeoutMs) {
    const reply = this.wait(expect, timeoutMs);
    this.child.send(message);
    return reply;
  }

  /** The next message of `type` (queued ones first); rejects if the child fails or exits first, or after timeoutMs. */
  wait(type, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no '${type}' within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      this.waiters.push({ type, resolve: (m) => (clearTimeout(timer), resolve(m)), reject: (e) => (clearTimeout(timer), reject(e)) });
      this.dispatch();
    });
  }

  /** SIGTERM (the scripts close their bus on it), SIGKILL if still running after 15 s. Resolves once exited. */
  async terminate() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  dispatch() {
    for (let i = 0; i < this.waiters.length; i++) {
      const at = this.queue.findIndex((m) => m.type === this.waiters[i].type);
      if (at < 0) continue;
      const [message] = this.queue.splice(at, 1);
      const [waiter] = this.waiters.splice(i--, 1);
      waiter.resolve(message);
    }
    if (this.failure !== undefined) for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }

  fail(error) {
    this.failure ??= error;
    this.dispatch();
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
