// `npm run chaos [-- --quick] [--seed=N] [--transports=zmq-peer,amqp-adapter]`: the chaos suite on every transport,
// then one table of the counts. Full mode (the default here; 30 kill steps and 10,000 events per transport) writes
// tools/chaos/results.md; --quick is what CI runs inside `npm test`. Needs the packages built (`npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describeMachine, describeRevision, formatTable } from '../bench/src/format.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const here = new URL('.', import.meta.url);
const reportFile = new URL('.results/latest.jsonl', here).pathname;
mkdirSync(new URL('.results', here), { recursive: true });
rmSync(reportFile, { force: true });

const env = {
  ...process.env,
  RESOLUTE_CHAOS_MODE: quick ? 'quick' : 'full',
  RESOLUTE_CHAOS_REPORT: reportFile,
  ...(option('seed') ? { RESOLUTE_CHAOS_SEED: option('seed') } : {}),
  ...(option('transports') ? { RESOLUTE_CHAOS_TRANSPORTS: option('transports') } : {}),
};
const run = spawnSync('npx', ['vitest', 'run', 'tests/transports.chaos.test.ts'], { cwd: here.pathname, env, stdio: 'inherit' });

const reports = existsSync(reportFile) ? readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
if (reports.length > 0) {
  const table = formatTable(
    reports.map((r) => ({
      transport: r.transport,
      events: String(r.messages),
      'kills p/c/broker': `${r.kills.producer}/${r.kills.consumer}/${r.kills.broker}`,
      'faults fired': String(r.kills.faultsFired),
      lost: String(r.lost),
      unexpected: String(r.unexpected),
      'handler re-runs': String(r.duplicated),
      'transport dups': String(r.transportDuplicates),
      seconds: String(r.seconds),
      seed: String(r.seed),
    })),
  );
  console.log(`\n${table}`);
  if (!quick && run.status === 0) {
    const machine = describeMachine();
    writeFileSync(
      new URL('results.md', here),
      [
        '# chaos: every transport under SIGKILL',
        '',
        'Command: `npm run chaos` (full mode: 30 kill steps, 10,000 events per transport). Replay a run with',
        '`npm run chaos -- --seed=<seed>`.',
        '',
        `Machine: ${machine.nproc} cores, ${machine.cpu}, Node ${machine.node}. Date: ${machine.date}. Code: ${describeRevision()}.`,
        '',
        table,
        '',
        'kills p/c/broker: kill steps that hit the producer, the consumer and the broker (SIGKILL and restart on its data).',
        'faults fired: steps that armed a fault point (RESOLUTE_FAULT: after the outbox write, after a send, after the',
        'inbox write, before the ack, after the handler, after the completion) and saw the process kill itself there.',
        'handler re-runs: side effects that ran more than once (a consumer killed between a handler and its durable',
        'completion); transport dups: copies delivered again and dropped by the inbox dedupe before any handler ran.',
        '',
      ].join('\n'),
    );
    console.log('written to tools/chaos/results.md');
  }
}
process.exit(run.status ?? 1);
