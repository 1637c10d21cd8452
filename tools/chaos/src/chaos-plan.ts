import type { FaultPoint } from '@resolute/core';

/** Who a kill hits. */
export type Victim = 'producer' | 'consumer' | 'broker';

/**
 * One step of a chaos run:
 * - `signal`: SIGKILL the victim from outside at a random moment (after some progress), restart it;
 * - `fault`: restart the victim armed with RESOLUTE_FAULT=<point>:<n>, so it SIGKILLs itself the n-th time it passes
 *   that line (after the outbox write, after a send, around the inbox write, before the ack...), then restart it clean;
 * - a `broker` victim is restarted (SIGKILL + start on the same data) where the transport has a broker.
 */
export interface KillStep {
  readonly victim: Victim;
  readonly style: 'signal' | 'fault';
  readonly point?: FaultPoint;
  readonly nth?: number;
  /** New side effects to wait for before this step (progress between kills). */
  readonly progress: number;
}

const PRODUCER_POINTS: readonly FaultPoint[] = ['after-outbox-write', 'after-send', 'after-outbox-delete'];
const CONSUMER_POINTS: readonly FaultPoint[] = ['after-inbox-write', 'before-ack', 'after-handler', 'after-inbox-complete'];

/** A replayable plan: the same seed gives the same steps. */
export function planKills(random: () => number, kills: number, messages: number, hasBroker: boolean): KillStep[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const steps: KillStep[] = [];
  for (let i = 0; i < kills; i++) {
    const victim: Victim = hasBroker && random() < 0.2 ? 'broker' : random() < 0.5 ? 'producer' : 'consumer';
    const progress = 10 + Math.floor(random() * (messages / (kills + 1)));
    if (victim !== 'broker' && random() < 0.5) {
      const point = pick(victim === 'producer' ? PRODUCER_POINTS : CONSUMER_POINTS);
      steps.push({ victim, style: 'fault', point, nth: 1 + Math.floor(random() * 20), progress });
    } else {
      steps.push({ victim, style: 'signal', progress });
    }
  }
  return steps;
}
