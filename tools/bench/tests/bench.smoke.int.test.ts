// The smoke run CI does of `npm run bench`: every bench beside its peer (against the machine's RabbitMQ and a private
// redis-server the redis bench starts), --quick sizes and one round, so a bench that no longer runs fails the build.
// The figures are not checked: speed is what the full run reports, never a test.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));
const BENCHES = ['store', 'zmq', 'amqp', 'redis', 'mdp'];

it(`runs ${BENCHES.join(', ')} with --quick and prints the one table`, async () => {
  const child = spawn(process.execPath, [MAIN, ...BENCHES, '--quick'], { env: { ...process.env, BENCH_ROUNDS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, `${stdout}\n${stderr}`).toBe(0);
  expect(stdout).toContain('All benches, one table');
  for (const bench of BENCHES.filter((b) => b !== 'store' && b !== 'zmq')) expect(stdout).toMatch(new RegExp(`\\| ${bench} +\\|`));
});
