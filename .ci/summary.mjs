// Reads vitest's JSON report and prints the plain closing line CI understands
// ("N passed, N failed, N skipped"). Exits non-zero when anything failed or was skipped:
// in CI every prerequisite is installed, so a skipped test means a check did not run.
import { readFileSync } from 'node:fs';

const reportPath = process.argv[2];
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
let passed = 0;
let failed = 0;
let skipped = 0;
const skippedNames = [];
for (const file of report.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'passed') passed++;
    else if (test.status === 'failed') failed++;
    else {
      skipped++;
      skippedNames.push(`${file.name}: ${test.fullName}`);
    }
  }
  // A file that failed to load has no assertion results but counts as a failure.
  if ((file.assertionResults ?? []).length === 0 && file.status === 'failed') failed++;
}
for (const name of skippedNames) console.log(`SKIPPED (not allowed in CI): ${name}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || skipped > 0 ? 1 : 0);
