/**
 * The broker's state, without I/O: services, their idle workers in least-recently-used order, and their queued
 * requests. The Broker turns what these methods return into frames.
 */
export type Version = 1 | 2;

export interface PendingRequest {
  readonly client: Buffer;
  readonly clientVersion: Version;
  readonly service: string;
  readonly body: Buffer[];
  readonly queuedAt: number;
  /** Times sent to a worker. */
  attempts: number;
  /** Set once a PARTIAL reached the client: such a request is not sent again (the client would see partials twice). */
  relayedPartial: boolean;
  /** Set when the client cancelled it while a worker held it: the worker is disconnected and the request not requeued. */
  cancelled?: boolean;
  /** Set by the client's mmi.resolute.alive: past this time without another one, the request is withdrawn. */
  aliveUntil?: number;
}

export interface WorkerRecord {
  readonly key: string;
  readonly identity: Buffer;
  readonly version: Version;
  readonly service: string;
  expiresAt: number;
  current: PendingRequest | undefined;
}

interface Service {
  readonly idle: WorkerRecord[];
  readonly requests: PendingRequest[];
  workers: number;
}

export class ServiceTable {
  private readonly services = new Map<string, Service>();
  readonly workers = new Map<string, WorkerRecord>();

  private service(name: string): Service {
    let service = this.services.get(name);
    if (!service) {
      service = { idle: [], requests: [], workers: 0 };
      this.services.set(name, service);
    }
    return service;
  }

  hasWorkers(name: string): boolean {
    return (this.services.get(name)?.workers ?? 0) > 0;
  }

  addWorker(worker: WorkerRecord): void {
    this.workers.set(worker.key, worker);
    const service = this.service(worker.service);
    service.workers += 1;
    service.idle.push(worker);
  }

  /** Forgets a worker; returns the request it was serving, if any. */
  removeWorker(worker: WorkerRecord): PendingRequest | undefined {
    if (!this.workers.delete(worker.key)) return undefined;
    const service = this.service(worker.service);
    service.workers -= 1;
    const at = service.idle.indexOf(worker);
    if (at >= 0) service.idle.splice(at, 1);
    const current = worker.current;
    worker.current = undefined;
    return current;
  }

  /** A worker finished its request: it goes to the back of the idle line (the front has waited longest). */
  release(worker: WorkerRecord): void {
    worker.current = undefined;
    this.service(worker.service).idle.push(worker);
  }

  enqueue(request: PendingRequest, front = false): void {
    const { requests } = this.service(request.service);
    if (front) requests.unshift(request);
    else requests.push(request);
  }

  /** Pairs queued requests of `name` with its least-recently-used idle workers. */
  *dispatch(name: string): Generator<{ worker: WorkerRecord; request: PendingRequest }> {
    const service = this.services.get(name);
    if (!service) return;
    while (service.idle.length > 0 && service.requests.length > 0) {
      const worker = service.idle.shift() as WorkerRecord;
      const request = service.requests.shift() as PendingRequest;
      request.attempts += 1;
      worker.current = request;
      yield { worker, request };
    }
  }

  /**
   * Finds the request from client socket `client`: taken out of its queue, or, if a worker holds it, marked cancelled
   * and returned with that worker (which the broker then disconnects). Undefined when there is none.
   */
  cancel(client: Buffer): { request: PendingRequest; worker?: WorkerRecord } | undefined {
    for (const service of this.services.values()) {
      const at = service.requests.findIndex((request) => request.client.equals(client));
      if (at >= 0) return { request: service.requests.splice(at, 1)[0] as PendingRequest };
    }
    for (const worker of this.workers.values()) {
      const request = worker.current;
      if (request?.client.equals(client)) {
        request.cancelled = true;
        return { request, worker };
      }
    }
    return undefined;
  }

  /** The request from client socket `client`, queued or at a worker; undefined when there is none. */
  find(client: Buffer): PendingRequest | undefined {
    for (const service of this.services.values()) {
      const request = service.requests.find((queued) => queued.client.equals(client));
      if (request) return request;
    }
    for (const worker of this.workers.values()) if (worker.current?.client.equals(client)) return worker.current;
    return undefined;
  }

  /**
   * Withdraws this very request (not another one sent later on the same client socket), like cancel(): out of its
   * queue, or marked cancelled and returned with the worker holding it. Undefined when it is neither (finished).
   */
  withdraw(request: PendingRequest): { request: PendingRequest; worker?: WorkerRecord } | undefined {
    const { requests } = this.service(request.service);
    const at = requests.indexOf(request);
    if (at >= 0) {
      requests.splice(at, 1);
      return { request };
    }
    for (const worker of this.workers.values()) {
      if (worker.current === request) {
        request.cancelled = true;
        return { request, worker };
      }
    }
    return undefined;
  }

  /** Drops requests queued before `cutoff`; returns how many. */
  expireRequests(cutoff: number): number {
    let expired = 0;
    for (const service of this.services.values()) {
      const keep = service.requests.filter((request) => request.queuedAt >= cutoff);
      expired += service.requests.length - keep.length;
      service.requests.splice(0, service.requests.length, ...keep);
    }
    return expired;
  }

  queuedRequests(): number {
    let count = 0;
    for (const service of this.services.values()) count += service.requests.length;
    return count;
  }

  busyWorkers(): number {
    let count = 0;
    for (const worker of this.workers.values()) if (worker.current) count += 1;
    return count;
  }
}
