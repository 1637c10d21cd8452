export { describeStoreConformance } from './store-suite.js';
export type { StoreConformanceOptions, StoreFactory, StoreHandle } from './store-suite.js';
export { describeTransportConformance } from './transport-suite.js';
export type { Endpoint, TransportConformanceOptions, TransportFactory, TransportHarness } from './transport-suite.js';
export { deliverAll, messages, waitForIds } from './transport-suite-harness.js';
export { uniqueName } from './unique.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
