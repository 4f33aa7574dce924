// Prints the closing line CI reads, `N passed, N failed`, from jest-junit's report(s).
const fs = require('fs');

const files = process.argv.slice(2).filter((f) => fs.existsSync(f));
let tests = 0, failed = 0, skipped = 0;
for (const file of files) {
  const xml = fs.readFileSync(file, 'utf8');
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    tests++;
    const body = m[2] ?? '';
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
  }
}
if (files.length === 0) {
  console.log('0 passed, 1 failed');
  console.error('no test report found: the test run did not start');
  process.exit(1);
}
console.log(`${tests - failed - skipped} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
