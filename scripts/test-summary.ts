#!/usr/bin/env -S npx tsx
// Sums the vitest JSON reports of every package into one closing line: "tests: N passed, N failed, N skipped".
// With CI=true, a skipped test fails the run unless .ci/allowed-skips.json allows it under a condition that holds.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  testResults: Array<{ name: string; assertionResults: Array<{ title: string; fullName: string; status: string }> }>;
}

interface AllowedSkip {
  file: string;
  test?: string;
  when: string;
  why: string;
}

const root = process.cwd();
const CONDITIONS: Record<string, () => boolean> = {
  'MULE_SLOW_TESTS unset': () => !process.env.MULE_SLOW_TESTS,
  '../shared/keras-samples absent': () => !existsSync(resolve(root, '..', 'shared', 'keras-samples')) && !process.env.MULE_KERAS_SAMPLES,
  'chromium absent': () => !existsSync(process.env.MULE_CHROMIUM ?? '/usr/bin/chromium'),
  'docker absent': () => spawnSync('docker', ['version'], { stdio: 'ignore' }).status !== 0,
  '../shared/reference/upstream-goldens absent': () => !existsSync(resolve(root, '..', 'shared', 'reference', 'upstream-goldens')) && !process.env.MULE_UPSTREAM_GOLDENS,
};

let passed = 0;
let failed = 0;
let skipped = 0;
const missing: string[] = [];
const skippedTests: Array<{ file: string; title: string; fullName: string }> = [];
const workspaces = ['packages', 'apps'].flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []));
for (const pkg of workspaces) {
  if (!existsSync(join(pkg, 'package.json'))) continue;
  const report = join(pkg, '.vitest-report.json');
  if (!existsSync(report)) {
    missing.push(pkg);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  for (const file of r.testResults) {
    for (const a of file.assertionResults) {
      if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') skippedTests.push({ file: relative(root, file.name), title: a.title, fullName: a.fullName });
    }
  }
}
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);

let disallowed = 0;
if (process.env.CI === 'true' && skippedTests.length > 0) {
  const { allowed } = JSON.parse(readFileSync('.ci/allowed-skips.json', 'utf8')) as { allowed: AllowedSkip[] };
  for (const t of skippedTests) {
    const rule = allowed.find((a) => a.file === t.file && (a.test === undefined || a.test === t.title));
    const holds = rule ? (CONDITIONS[rule.when]?.() ?? false) : false;
    if (rule && holds) {
      console.log(`skipped (allowed: ${rule.when}): ${t.file} > ${t.fullName}`);
    } else {
      disallowed++;
      console.log(`SKIPPED, NOT ALLOWED${rule ? ` (allowed only when ${rule.when})` : ''}: ${t.file} > ${t.fullName}`);
    }
  }
  if (disallowed > 0) console.log(`${disallowed} skipped test(s) not allowed in CI (see .ci/allowed-skips.json): install what they need, or allow them there with a reason`);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || missing.length > 0 || disallowed > 0 ? 1 : 0;
