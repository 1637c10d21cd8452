export { PUBLISHER_ENDPOINT, SIGNED_UP_TOPIC, startEmailService } from './email-service.js';
export type { EmailService, EmailServiceOptions, EmailServiceStatus } from './email-service.js';
export { emailServiceConfigSchema, smtpSettingsFromEnv, smtpSettingsSchema } from './email-config.js';
export type { EmailServiceConfig, SmtpSettings } from './email-config.js';
export { createSmtpSender, mapSmtpError } from './smtp-sender.js';
export type { MailSender, SentMail } from './smtp-sender.js';
export { escapeHtml, MESSAGE_ID_DOMAIN, messageIdFor, renderWelcomeEmail, userSignedUpSchema } from './welcome-email.js';
export type { UserSignedUp, WelcomeEmail } from './welcome-email.js';
