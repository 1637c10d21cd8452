import { Command, CommanderError } from 'commander';
import { registerDead } from './commands/dead.js';
import { registerIncoming } from './commands/incoming.js';
import { registerKeys } from './commands/keys.js';
import { registerOutgoing } from './commands/outgoing.js';
import { registerPurge } from './commands/purge.js';
import { registerReplay } from './commands/replay.js';
import { registerStatus } from './commands/status.js';
import { registerSubscribers } from './commands/subscribers.js';
import { registerUnlock } from './commands/unlock.js';
import type { CommandContext } from './commands/common.js';
import { errorDocument, errorLine, EXIT, exitCodeOf } from './errors.js';
import { toJson } from './format/json.js';
import { processIo, type CliIo } from './io.js';
import { CLI_VERSION } from './package-version.js';

const FOOTER = `
Choose the store with --datadir DIR (LevelDB), --redis URL [--name STORE], or --config FILE [--profile NAME] on
every command. LevelDB stores open in one process at a time: stop the service before replay or purge; read-only
commands also need it stopped. A lock left by a crashed service is taken over (and said so) by any command, or
removed by unlock. Redis stores: read-only commands run beside the service; replay and purge need it stopped.

Exit codes: 0 done, 1 failed (store locked, not found, I/O), 2 wrong command line.
Every command takes --json (one JSON document on stdout) and -h/--help.`;

/** The commander program, printing through `context.io`. Commander never exits the process: runCli maps its errors. */
export function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command('resolute')
    .description('Inspect and repair a Resolute store: what is stuck where, and how to get it moving again.')
    .version(CLI_VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', FOOTER);
  registerStatus(program, context);
  registerIncoming(program, context);
  registerOutgoing(program, context);
  registerDead(program, context);
  registerReplay(program, context);
  registerPurge(program, context);
  registerKeys(program, context);
  registerSubscribers(program, context);
  registerUnlock(program, context);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script: `['status', '--datadir', 'x']`) and resolves with the exit code:
 * 0 done, 1 failed, 2 usage. It never calls process.exit and always closes the store it opened. Output goes through
 * `io` (default: the process's stdout, stderr and terminal).
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = { ...processIo(), ...io };
  const context: CommandContext = { io: full, state: { json: false, exitCode: EXIT.ok } };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.state.exitCode;
  } catch (error) {
    // Help and version "fail" with exit code 0; every other commander error is a command-line mistake.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (context.state.json) full.stdout.write(toJson(errorDocument(error)));
    full.stderr.write(errorLine(error));
    return exitCodeOf(error);
  }
}
