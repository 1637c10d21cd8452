// `npm run demo`: starts the SMTP sink, the email service and the signup website from resolute.config.json (or the
// file RESOLUTE_CONFIG names), prints the URL, and stops them all cleanly on Ctrl-C or SIGTERM.
import { createConsoleLogger, exitOnSignals, loadDemoConfig, profileFromEnv } from 'demo-kit';
import { launchDemo } from './launcher.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
// The launcher's own lines line up with the services' ("web   | ..."), under the name "demo".
const logger = createConsoleLogger({ write: (line) => print(`demo  | ${line}`) });

try {
  const config = await loadDemoConfig();
  logger.info({ config: config.path, profile: profileFromEnv() ?? 'default (zmq)' }, 'starting the SMTP sink, the email service and the website');
  const demo = await launchDemo({ config, logger, print });
  let stopped = false;
  exitOnSignals(
    async () => {
      stopped = true;
      if (!(await demo.stop())) throw new Error('a service did not stop cleanly');
    },
    { logger, timeoutMs: 40_000 },
  );
  void demo.failed.then(async (name) => {
    if (stopped) return;
    logger.error({ service: name }, 'stopping the demo because a service exited');
    await demo.stop();
    process.exit(1);
  });
  print('');
  print(`  Resolute demo is running: open ${demo.url}`);
  print('  Sign up, watch the welcome email arrive in the mailbox panel. Ctrl-C stops everything.');
  print('');
} catch (error) {
  logger.error({ err: error }, 'the demo failed to start');
  process.exit(1);
}
