import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Child, seededRandom, startNodeScript, waitFor } from '@resolute/core/testing';
import type { ChaosTarget } from './chaos-backend.js';
import { type KillStep, planKills } from './chaos-plan.js';
import { type ChaosOutcome, countOutcomes } from './count-outcomes.js';
import { effectLines, fixture } from './processes.js';

export interface ChaosOptions {
  readonly seed: number;
  readonly messages: number;
  readonly kills: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport extends ChaosOutcome {
  readonly transport: string;
  readonly seed: number;
  readonly messages: number;
  /** Kill steps taken, by victim; `faultsFired` counts armed fault points the process actually reached. */
  readonly kills: { producer: number; consumer: number; broker: number; faultsFired: number };
  /** Copies the transport delivered again that the consumer's inbox dedupe dropped before any handler ran. */
  readonly transportDuplicates: number;
  readonly seconds: number;
}

const READY_MS = 60_000;

/**
 * One Jepsen-style run on one transport: a producer publishes `messages` events to a consumer in another process
 * while a seeded plan SIGKILLs producer, consumer and broker (from outside at random moments, or from inside at armed
 * fault points) and restarts them. Then counts, from the producer's "ok" lines and the consumer's side-effect log:
 * lost (acknowledged, never handled), unexpected (handled, never attempted) and duplicated side effects.
 */
export async function runChaos(target: ChaosTarget, options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const random = seededRandom(options.seed);
  // Spread the publishing over about 1.5 s per kill step, so the kills land while events flow.
  const rate = Math.max(50, Math.round(options.messages / (options.kills * 1.5 + 1)));
  const root = await mkdtemp(join(tmpdir(), `resolute-chaos-${target.name}-`));
  const children: Child[] = [];
  const backend = await target.start(root);
  try {
    const producerConfig = join(root, 'producer.json');
    const consumerConfig = join(root, 'consumer.json');
    writeFileSync(producerConfig, JSON.stringify(backend.producer));
    writeFileSync(consumerConfig, JSON.stringify(backend.consumer));
    const effects = join(root, 'effects.log');
    // Per producer run, what it attempted: a seq attempted by two runs was published twice, as two messages.
    const attemptsByRun = new Map<Child, Set<number>>();
    const acknowledged = new Set<number>();
    const consumerRuns: Child[] = [];
    const kills = { producer: 0, consumer: 0, broker: 0, faultsFired: 0 };
    let producer: Child | undefined;
    let consumer: Child | undefined;

    const harvest = (child: Child | undefined): void => {
      if (child === undefined) return;
      const attempts = attemptsByRun.get(child) ?? new Set<number>();
      attemptsByRun.set(child, attempts);
      for (const line of child.lines) {
        if (line.startsWith('attempt ')) attempts.add(Number(line.slice(8)));
        else if (line.startsWith('ok ')) acknowledged.add(Number(line.slice(3)));
      }
    };
    const attempted = (): Map<number, number> => {
      const counts = new Map<number, number>();
      for (const run of attemptsByRun.values()) for (const seq of run) counts.set(seq, (counts.get(seq) ?? 0) + 1);
      return counts;
    };
    const launch = async (script: string, args: string[], fault: string | undefined): Promise<Child> => {
      const child = startNodeScript(fixture(script), args, fault === undefined ? {} : { RESOLUTE_FAULT: fault });
      children.push(child);
      // An armed process may kill itself before it is ready: either outcome ends the wait.
      let gone = false;
      void child.exited.then(() => (gone = true));
      await waitFor(() => child.lines.includes('ready') || gone, { timeoutMs: READY_MS, message: () => `${script} ready; stderr: ${child.stderr()}` });
      if (gone && fault === undefined) throw new Error(`${script} exited during start: ${child.stderr()}`);
      return child;
    };
    const startProducer = async (fault?: string): Promise<void> => {
      harvest(producer);
      const next = acknowledged.size === 0 ? 0 : Math.max(...acknowledged) + 1;
      producer = await launch('chaos-producer.mjs', [producerConfig, String(next), String(options.messages), String(rate)], fault);
    };
    const startConsumer = async (fault?: string): Promise<void> => {
      consumer = await launch('chaos-consumer.mjs', [consumerConfig, effects, backend.subscribeFrom ?? ''], fault);
      consumerRuns.push(consumer);
    };
    const progressDone = (): boolean => producer!.lines.includes('published-all');

    const step = async (s: KillStep): Promise<void> => {
      const goal = effectLines(effects).length + s.progress;
      await waitFor(() => effectLines(effects).length >= Math.min(goal, options.messages) || progressDone(), { timeoutMs: 120_000, intervalMs: 10 }).catch(() => {
        log(`no progress before step ${JSON.stringify(s)}: going on`);
      });
      if (s.victim === 'broker') {
        kills.broker++;
        await backend.restartBroker!();
        return;
      }
      kills[s.victim]++;
      const victim = s.victim === 'producer' ? producer! : consumer!;
      const restart = s.victim === 'producer' ? startProducer : startConsumer;
      await victim.kill();
      if (s.style === 'fault') {
        await restart(`${s.point}:${s.nth}`);
        const armed = s.victim === 'producer' ? producer! : consumer!;
        const fired = await Promise.race([armed.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
        if (fired) kills.faultsFired++;
        await armed.kill();
      }
      await restart();
    };

    await startConsumer();
    await startProducer();
    for (const s of planKills(random, options.kills, options.messages, backend.restartBroker !== undefined)) {
      log(`step ${JSON.stringify(s)}`);
      await step(s);
    }
    await waitFor(
      () => {
        harvest(producer);
        return progressDone();
      },
      { timeoutMs: 180_000, message: () => `producer to publish everything; stderr: ${producer!.stderr()}` },
    );
    harvest(producer);
    const attempts = attempted();
    const outcome = (): ChaosOutcome => countOutcomes(readFileSync(effects, 'utf8'), attempts, acknowledged);
    await waitFor(() => outcome().lost === 0, { timeoutMs: 180_000, message: () => `every acknowledged event handled (${JSON.stringify(outcome())})` }).catch(() => undefined);
    const transportDuplicates = consumerRuns.reduce((n, run) => n + run.lines.filter((l) => l.startsWith('duplicate ')).length, 0);
    return {
      transport: target.name,
      seed: options.seed,
      messages: options.messages,
      ...outcome(),
      kills,
      transportDuplicates,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    await backend.stop();
    await rm(root, { recursive: true, force: true });
  }
}
