// Adds up the JSON reports vitest wrote in every project (.test-results/vitest.json) into one closing line:
//   tests: <passed> passed, <failed> failed, <skipped> skipped
// Exits 1 when a report is missing for a project that has tests, or when nothing ran at all.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// With --clean it only deletes old reports, so a project that did not run cannot be counted from a stale one.
const root = new URL('../..', import.meta.url).pathname;
const clean = process.argv.includes('--clean');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ['packages', 'apps', 'tools']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const project = join(dir, name);
    if (!existsSync(join(project, 'tests'))) continue;
    const report = join(project, '.test-results', 'vitest.json');
    if (clean) {
      rmSync(join(project, '.test-results'), { recursive: true, force: true });
      continue;
    }
    if (!existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const results = JSON.parse(readFileSync(report, 'utf8'));
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    skipped += results.numPendingTests + results.numTodoTests;
    console.log(`${group}/${name}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`);
  }
}
if (clean) process.exit(0);
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
