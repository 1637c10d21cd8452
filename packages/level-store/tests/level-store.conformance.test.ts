import { describeStoreConformance } from '@resolute/core/testing';
import { LevelStore } from '../src/index.js';
import { tempDir } from './temp-dir.js';

describeStoreConformance('LevelStore', {
  async create() {
    const dir = await tempDir('conformance');
    return { instance: () => new LevelStore({ path: dir.path }), cleanup: dir.remove };
  },
});

describeStoreConformance('LevelStore without group commit', {
  async create() {
    const dir = await tempDir('conformance-nogc');
    return { instance: () => new LevelStore({ path: dir.path, groupCommit: { enabled: false } }), cleanup: dir.remove };
  },
}, { concurrentBatches: 200 });
