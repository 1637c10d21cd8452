import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { expectExit } from './run-cli.js';

const COMMANDS = ['status', 'incoming', 'outgoing', 'dead', 'replay', 'purge', 'keys', 'subscribers', 'unlock'];

describe('resolute --help, -v and usage errors', () => {
  it('--help lists every command, the store options and the exit codes', async () => {
    for (const flag of ['--help', '-h']) {
      const { stdout } = await expectExit([flag], 0);
      expect(stdout).toContain('Usage: resolute');
      for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      expect(stdout).toContain('--datadir DIR');
      expect(stdout).toContain('Exit codes: 0 done, 1 failed');
    }
  });

  it('every command has its own --help with the store options and --json', async () => {
    for (const command of COMMANDS) {
      const { stdout } = await expectExit([command, '--help'], 0);
      expect(stdout).toContain(`Usage: resolute ${command}`);
      for (const option of ['--datadir <dir>', '--redis <url>', '--config <file>', '--profile <name>', '--json', '-h, --help']) expect(stdout).toContain(option);
    }
    expect((await expectExit(['replay', '--help'], 0)).stdout).toContain('--dry-run');
    expect((await expectExit(['purge', '--help'], 0)).stdout).toContain('-y, --yes');
    expect((await expectExit(['unlock', '--help'], 0)).stdout).toContain('--force');
    expect((await expectExit(['outgoing', '--help'], 0)).stdout).toContain('--show-payload');
  });

  it('-v and --version print the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await expectExit(['-v'], 0)).stdout).toBe(`${version}\n`);
    expect((await expectExit(['--version'], 0)).stdout).toBe(`${version}\n`);
  });

  it('usage errors exit 2 and say what to do on stderr', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'Usage: resolute'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['status', '--bogus'], "unknown option '--bogus'"],
      [['status'], 'pass --datadir DIR'],
      [['status', '--datadir', 'a', '--config', 'b'], 'cannot be used with'],
      [['status', '--datadir', 'a', '--profile', 'p'], '--profile applies to --config only'],
      [['outgoing', '--datadir', 'a', '--limit', 'lots'], 'expected a whole number'],
      [['purge', '--datadir', 'a'], "missing required argument 'targets'"],
    ];
    for (const [args, message] of cases) {
      const run = await expectExit(args, 2);
      expect(run.stderr, args.join(' ')).toContain(message);
    }
  });
});
