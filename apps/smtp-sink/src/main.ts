// The demo SMTP sink: `npm start` (or the demo launcher). Settings: the smtpSink section of resolute.config.json.
import { appSection, configPath, createConsoleLogger, exitOnSignals, loadDemoConfig } from 'demo-kit';
import { startSmtpSink } from './sink.js';
import { sinkConfigSchema } from './sink-config.js';

const logger = createConsoleLogger();
try {
  const config = await loadDemoConfig();
  const section = appSection(config, 'smtpSink', sinkConfigSchema);
  const sink = await startSmtpSink({ ...section, dataDir: configPath(config, section.dataDir) }, logger);
  logger.info({ smtp: `${section.host}:${sink.smtpPort}`, http: sink.httpUrl, mails: sink.mailbox.snapshot().count }, 'SMTP sink ready');
  exitOnSignals(() => sink.close(), { logger });
} catch (error) {
  logger.error({ err: error }, 'SMTP sink failed to start');
  process.exit(1);
}
