import { Command, InvalidArgumentError, Option } from 'commander';
import { toJson } from '../format/json.js';
import type { CliIo } from '../io.js';
import type { StoreSelection } from '../open-store.js';

/** What every command gets: the io, and the run's state (set by the action, read by runCli). */
export interface CommandContext {
  readonly io: CliIo;
  readonly state: {
    /** Set as soon as a command sees --json, so an error is also reported as a JSON document on stdout. */
    json: boolean;
    exitCode: number;
  };
}

/** Options every store command takes. */
export interface CommonOptions extends StoreSelection {
  json?: boolean;
}

/** Adds --datadir/--redis/--name/--config/--profile and --json to a command. */
export function storeOptions(command: Command): Command {
  return command
    .addOption(new Option('--datadir <dir>', 'the LevelDB store directory of the service').conflicts(['redis', 'config']))
    .addOption(new Option('--redis <url>', 'a Redis store, e.g. redis://localhost:6379 (needs @resolute/redis-bus)').conflicts(['config']))
    .option('--name <store>', "with --redis: the store's name, the service's bus name (default: the only store there)")
    .option('--config <file>', 'the config file the service runs with: its store section is used')
    .option('--profile <name>', "with --config: the profile to apply (default: $RESOLUTE_PROFILE, then the config's defaultProfile)")
    .option('--json', 'print one JSON document on stdout instead of tables');
}

/** Adds --topic, --limit and --show-payload (the message lists). */
export function listOptions(command: Command): Command {
  return command
    .option('--topic <topic>', 'only messages of this topic (event topic, or command/request type)')
    .option('--limit <n>', 'show at most n messages (0: all)', parseCount, 50)
    .option('--show-payload', 'include each message payload');
}

/** Parses a whole number >= 0 (commander reports the error and the CLI exits 2). */
export function parseCount(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return Number(value);
}

/**
 * Wraps a command action: records --json first (for error reporting), then prints the result either as one JSON
 * document or as the human text. A result may ask for a non-zero exit (some items failed) with `exitCode`.
 */
export interface ActionResult {
  json: unknown;
  human: () => string;
  exitCode?: number;
}

export function act<A extends unknown[]>(
  context: CommandContext,
  run: (options: CommonOptions & Record<string, unknown>, args: A) => Promise<ActionResult>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.opts<CommonOptions & Record<string, unknown>>();
    context.state.json = options.json === true;
    const result = await run(options, args.slice(0, -2) as A);
    context.io.stdout.write(context.state.json ? toJson(result.json) : result.human());
    context.state.exitCode = result.exitCode ?? 0;
  };
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
