import { createInterface } from 'node:readline/promises';

/**
 * Everything the CLI touches outside the store: where it prints, whether a person can answer questions, the
 * environment and the clock. `runCli` takes one, so tests (and tools that embed the CLI) run it in-process.
 */
export interface CliIo {
  /** Results: human tables, or one JSON document with `--json`. */
  readonly stdout: { write(chunk: string): unknown };
  /** Errors, warnings, notices and questions: never mixed into results. */
  readonly stderr: { write(chunk: string): unknown };
  /** True when a person is at the keyboard (stdin is a terminal): only then does `purge` ask instead of refusing. */
  readonly interactive: boolean;
  /** Asks a yes/no question (on stderr) and resolves true for yes. Called only when `interactive`. */
  confirm(question: string): Promise<boolean>;
  /** Read for RESOLUTE_PROFILE. */
  readonly env: Record<string, string | undefined>;
  /** Relative --datadir and --config paths are taken from here. */
  readonly cwd: string;
  /** Milliseconds since the epoch, for message ages. */
  now(): number;
}

/** The real terminal: process.stdout/stderr/stdin, process.env, process.cwd(), Date.now(). */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY === true,
    async confirm(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        // Ctrl-C and Ctrl-D answer no, so the command goes on to close the store (and release its lock) normally.
        const answer = await new Promise<string>((resolve) => {
          rl.once('SIGINT', () => resolve(''));
          rl.once('close', () => resolve(''));
          rl.question(`${question} [y/N] `).then(resolve, () => resolve(''));
        });
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
  };
}
