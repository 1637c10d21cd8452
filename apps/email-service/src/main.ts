// The email service: `npm start` (or the demo launcher). Settings: the `email` bus section and the emailService
// section of resolute.config.json; SMTP_HOST/SMTP_PORT/SMTP_SECURE/SMTP_USER/SMTP_PASS override the SMTP server.
import { appSection, busSection, createConsoleLogger, exitOnSignals, loadDemoConfig, profileFromEnv } from 'demo-kit';
import { emailServiceConfigSchema, smtpSettingsFromEnv } from './email-config.js';
import { startEmailService } from './email-service.js';
import { createSmtpSender } from './smtp-sender.js';

const logger = createConsoleLogger();
try {
  const config = await loadDemoConfig();
  const settings = appSection(config, 'emailService', emailServiceConfigSchema);
  const smtp = smtpSettingsFromEnv(settings.smtp);
  const service = await startEmailService({
    bus: busSection(config, 'email'),
    profile: profileFromEnv(),
    from: settings.from,
    sender: createSmtpSender(smtp),
    http: settings.http,
    logger,
  });
  const { profile, transport } = service.status();
  logger.info({ config: config.path, profile, transport, smtp: `${smtp.host}:${smtp.port}`, health: service.healthUrl }, 'email service ready');
  exitOnSignals(() => service.close(), { logger });
} catch (error) {
  logger.error({ err: error }, 'email service failed to start');
  process.exit(1);
}
