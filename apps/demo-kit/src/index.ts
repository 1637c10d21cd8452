export { appSection, busSection, CONFIG_ENV, CONFIG_FILE, configPath, findConfigFile, loadDemoConfig, profileFromEnv } from './demo-config.js';
export type { DemoConfig } from './demo-config.js';
export { JsonLinesLog } from './json-lines-log.js';
export { createConsoleLogger, levelFromEnv } from './logger.js';
export type { ConsoleLoggerOptions, LogLevel } from './logger.js';
export { exitOnSignals } from './shutdown.js';
export type { ShutdownOptions } from './shutdown.js';
