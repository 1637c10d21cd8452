// A child Node process that a bench drives over IPC (the receiving side of the zmq bench, the consuming side of the
// redis bench), so the two sides of a case never share an event loop or a core's worth of JIT and GC. One per case,
// kept for every round so its JIT stays warm.
//
// The child answers commands with messages that carry a `type`; `call` sends one and waits for the reply of the
// expected type. Two types are special: 'error' fails every waiter (and every later one), and 'progress' goes to
// `onProgress` at once, never to the queue, since the sending side reads it to keep its window.
import { fork } from 'node:child_process';

export class ForkedPeer {
  /**
   * `module`: the child's entry file (URL). `timeoutMs()`: how long a reply may take by default, read at each wait
   * (the benches set it after the peers exist). `BENCH_CHILD_EXEC_ARGV` (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
   * is passed to the child, to profile that side.
   */
  constructor(module, label, timeoutMs, args = []) {
    this.label = label;
    this.timeoutMs = timeoutMs;
    this.queue = [];
    this.waiters = [];
    this.listeners = new Map();
    this.failure = undefined;
    this.onProgress = undefined;
    const execArgv = (process.env.BENCH_CHILD_EXEC_ARGV ?? '').split(/\s+/).filter(Boolean);
    this.child = fork(module, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.pid = this.child.pid;
    this.child.on('message', (message) => {
      if (message.type === 'error') return this.fail(new Error(`${label} child: ${message.message}`));
      const listener = this.listeners.get(message.type);
      if (listener !== undefined) return listener(message);
      if (message.type === 'progress') return this.onProgress?.(message);
      this.queue.push(message);
      this.dispatch();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.once('exit', (code, signal) => this.fail(new Error(`${label} child exited (code ${code}, signal ${signal})`)));
  }

  /** Messages of `type` go to `listener` instead of the queue (progress and stats reports). */
  on(type, listener) {
    this.listeners.set(type, listener);
  }

  /** Sends a command and waits for the reply of type `expect`. */
  call(message, expect, timeoutMs = this.timeoutMs()) {
    const reply = this.wait(expect, timeoutMs);
    this.child.send(message);
    return reply;
  }

  /** The next message of `type` from the child (queued ones first). */
  wait(type, timeoutMs = this.timeoutMs()) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no '${type}' from the child within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ type, resolve: (m) => (clearTimeout(timer), resolve(m)), reject: (e) => (clearTimeout(timer), reject(e)) });
      this.dispatch();
    });
  }

  async stop() {
    if (this.child.exitCode === null && this.child.connected) this.child.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  dispatch() {
    if (this.failure !== undefined) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
      return;
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const at = this.queue.findIndex((m) => m.type === this.waiters[i].type);
      if (at < 0) continue;
      const [message] = this.queue.splice(at, 1);
      const [waiter] = this.waiters.splice(i--, 1);
      waiter.resolve(message);
    }
  }

  fail(error) {
    this.failure ??= error;
    this.dispatch();
  }
}
