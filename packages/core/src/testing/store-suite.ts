import { describe } from 'vitest';
import { describeDataCases } from './store-suite-data.js';
import { type StoreConformanceOptions, type StoreFactory, useStoreHarness } from './store-suite-harness.js';
import { describeLifecycleCases } from './store-suite-lifecycle.js';
import { describeRangeCases } from './store-suite-ranges.js';

export type { StoreConformanceOptions, StoreFactory, StoreHandle } from './store-suite-harness.js';

/**
 * The Store conformance suite: every Store implementation runs it, and passing it is what "done" means for one.
 * Call it at the top level of a vitest test file:
 *
 *     describeStoreConformance('LevelStore', {
 *       async create() {
 *         const dir = await mkdtemp(join(tmpdir(), 'store-'));
 *         return { instance: () => new LevelStore({ path: dir }), cleanup: () => rm(dir, { recursive: true }) };
 *       },
 *     });
 *
 * Each test gets fresh data from `factory.create()`, opens one instance, may open more over the same data (reopen,
 * lock), and closes them all before `cleanup()`. A capability the store lacks is declared in `options` with its
 * reason, and the affected tests are reported as skipped with that reason. The suite writes only the pipeline's
 * namespaces (never 'meta', which a store may use for its own bookkeeping) and namespaces of its own invention.
 */
export function describeStoreConformance(name: string, factory: StoreFactory, options: StoreConformanceOptions = {}): void {
  describe(`Store conformance: ${name}`, () => {
    const harness = useStoreHarness(factory, options);
    describeDataCases(harness);
    describeRangeCases(harness);
    describeLifecycleCases(harness);
  });
}
