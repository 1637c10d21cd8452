export { launchDemo } from './launcher.js';
export type { Demo, LaunchOptions } from './launcher.js';
export { demoServices, isSubscribed } from './demo-services.js';
export type { DemoServices } from './demo-services.js';
export { startService, waitUntilHealthy } from './service-process.js';
export type { ServiceExit, ServiceProcess, ServiceSpec, StartServiceOptions } from './service-process.js';
