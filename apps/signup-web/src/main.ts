// The signup website: `npm start` (or the demo launcher). Settings: the `web` bus section and the signupWeb section
// of resolute.config.json; RESOLUTE_PROFILE picks the bus profile.
import { appSection, busSection, configPath, createConsoleLogger, exitOnSignals, loadDemoConfig, profileFromEnv } from 'demo-kit';
import { startSignupWeb } from './signup-web.js';
import { webConfigSchema } from './web-config.js';

const logger = createConsoleLogger();
try {
  const config = await loadDemoConfig();
  const settings = appSection(config, 'signupWeb', webConfigSchema);
  const web = await startSignupWeb({
    bus: busSection(config, 'web'),
    profile: profileFromEnv(),
    dataDir: configPath(config, settings.dataDir),
    http: settings.http,
    mailboxUrl: settings.mailboxUrl,
    logger,
  });
  logger.info({ url: web.url, config: config.path, users: web.users.size }, 'signup website ready');
  exitOnSignals(() => web.close(), { logger });
} catch (error) {
  logger.error({ err: error }, 'signup website failed to start');
  process.exit(1);
}
