import type { BusConfigInput } from '@resolute/core';

/** A transport under chaos: the configs its producer and consumer buses use, and its broker if it has one. */
export interface ChaosBackend {
  /** The producer's bus config (its store path inside the run's directory). */
  readonly producer: BusConfigInput;
  readonly consumer: BusConfigInput;
  /** On publisher-routed transports the consumer subscribes at this address (the producer's). */
  readonly subscribeFrom?: string;
  /** SIGKILL the broker and start it again on the same data; absent for brokerless transports. */
  restartBroker?(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChaosTarget {
  readonly name: string;
  /** Starts what the transport needs (a private broker) under `root` and returns the bus configs. */
  start(root: string): Promise<ChaosBackend>;
}

/** `target` under the name `<target>-<suffix>`, with one of its buses' `bus` options changed by `tune`. */
export function withBusOptions(target: ChaosTarget, suffix: string, side: 'producer' | 'consumer', tune: (bus: NonNullable<BusConfigInput['bus']>) => BusConfigInput['bus']): ChaosTarget {
  return {
    name: `${target.name}-${suffix}`,
    async start(root) {
      const backend = await target.start(root);
      const config = backend[side];
      return { ...backend, [side]: { ...config, bus: tune(config.bus ?? {}) } };
    },
  };
}
