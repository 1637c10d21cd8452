/** The Jepsen-style count of a chaos run. */
export interface ChaosOutcome {
  /** Publishes that resolved (the producer was told "durable"). */
  acknowledged: number;
  /** Acknowledged events whose side effect never happened. Must be 0. */
  lost: number;
  /** Side effects for events the producer never attempted. Must be 0. */
  unexpected: number;
  /** Side effects that ran more than once for one event (allowed by at-least-once; reported). */
  duplicated: number;
  /** Events handled that were attempted but never acknowledged (killed between the write and the reply): fine. */
  unacknowledgedButDelivered: number;
  /**
   * Of `duplicated`, the re-runs of events the producer published again after a restart (one whose "ok" it never
   * saw): each publish is a new message with its own id, so no dedupe can join them. The rest is the consumer's.
   */
  republished: number;
}

/**
 * Counts from the consumer's side-effect log ("<producer> <seq>" per line) and the producer's attempts and oks.
 * `attempted` maps each sequence number to how many producer runs published it.
 */
export function countOutcomes(effectsLog: string, attempted: ReadonlyMap<number, number>, acknowledged: ReadonlySet<number>): ChaosOutcome {
  const runs = new Map<number, number>();
  for (const line of effectsLog.split('\n')) {
    if (line === '') continue;
    const seq = Number(line.split(' ')[1]);
    runs.set(seq, (runs.get(seq) ?? 0) + 1);
  }
  let lost = 0;
  for (const seq of acknowledged) if (!runs.has(seq)) lost++;
  let unexpected = 0;
  let duplicated = 0;
  let unacknowledgedButDelivered = 0;
  let republished = 0;
  for (const [seq, count] of runs) {
    if (!attempted.has(seq)) unexpected++;
    else if (!acknowledged.has(seq)) unacknowledgedButDelivered++;
    duplicated += count - 1;
    republished += Math.min(count - 1, (attempted.get(seq) ?? 1) - 1);
  }
  return { acknowledged: acknowledged.size, lost, unexpected, duplicated, unacknowledgedButDelivered, republished };
}
