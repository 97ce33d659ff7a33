#!/usr/bin/env -S npx tsx --conditions=source
// pnpm gate: the release gate. typecheck, lint, tests, full-size fixture -> convert -> verify --onnx,
// build, API reports (api-extractor), pack + check each published package (own rules, publint,
// are-the-types-wrong), install the tarballs in a fresh npm project and run the mule bin from them,
// check convert's dependency closure holds no onnxruntime, changeset status. Stops at the first failing step.
import { rmSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { $, chalk } from 'zx';
import { packedPackageProblems, readPackedPackage, readWorkspacePackages, renderGateSummary, runGate, type GateStep } from '@mule-ts/release-gate';

const root = resolve(import.meta.dirname, '..');
$.verbose = true;
$.cwd = root;

/** Files a published package must ship besides its export targets and LICENSE. */
const REQUIRED_FILES: Record<string, string[]> = {
  '@mule-ts/verify': ['python/mule_reference/__main__.py', 'python/upstream_dump.py', 'README.md'],
  '@mule-ts/cli': ['bin/mule.js', 'README.md'],
  '@mule-ts/core': ['README.md'],
  '@mule-ts/convert': ['README.md'],
  '@mule-ts/runtime': ['README.md'],
  '@mule-ts/web': ['README.md'],
};
const TEST_SUMMARY = /^tests: \d+ passed, \d+ failed, \d+ skipped$/m;

const work = await mkdtemp(join(tmpdir(), 'mule-gate-'));
process.once('SIGINT', () => {
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});
const model = join(work, 'model', 'fixture-full-seed1.keras');
const artifacts = join(work, 'model', 'artifacts');
const packs = join(work, 'packs');
const tarballs = new Map<string, string>();
let testSummary: string | undefined;

const workspace = await readWorkspacePackages(root);
const published = workspace.filter((p) => !p.private);
const privatePackages = workspace.filter((p) => p.private).map((p) => p.name);

function packStep(name: string, dir: string): GateStep {
  return {
    name: `pack ${name}`,
    run: async () => {
      await mkdir(packs, { recursive: true });
      const packed = await $({ cwd: dir, verbose: false })`pnpm pack --json --pack-destination ${packs}`;
      const tarball = (JSON.parse(packed.stdout) as { filename: string }).filename;
      tarballs.set(name, tarball);
      const unpacked = join(work, 'unpacked', name.replace(/[@/]/g, '_'));
      await mkdir(unpacked, { recursive: true });
      await $`tar -xzf ${tarball} -C ${unpacked}`;
      const { manifest, files } = await readPackedPackage(join(unpacked, 'package'));
      console.log(`${tarball}: ${files.length} files`);
      const developmentExports = (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { exports?: unknown }).exports;
      const problems = packedPackageProblems(manifest, files, { privatePackages, requiredFiles: REQUIRED_FILES[name] ?? [], developmentExports });
      for (const problem of problems) console.error(chalk.red(`  ${name}: ${problem}`));
      if (problems.length > 0) throw new Error(`${name}: ${problems.length} problem(s) in the packed package (listed above)`);
      await $`pnpm -s exec publint ${join(unpacked, 'package')} --pack false --strict`;
      await $`pnpm -s exec attw ${tarball} --profile esm-only`;
    },
  };
}

const steps: GateStep[] = [
  { name: 'typecheck', run: () => $`pnpm -s turbo run typecheck typecheck:scripts --output-logs=errors-only` },
  { name: 'lint', run: () => $`pnpm -s turbo run lint lint:scripts --output-logs=errors-only` },
  {
    name: 'test',
    run: async () => {
      const out = await $`pnpm test`.nothrow();
      testSummary = TEST_SUMMARY.exec(out.stdout)?.[0];
      if (out.exitCode !== 0) throw new Error(`pnpm test exited with code ${out.exitCode}`);
      if (!testSummary) throw new Error("pnpm test printed no 'tests: N passed, N failed, N skipped' line");
    },
  },
  {
    name: 'fixture (full, seed 1)',
    run: async () => {
      await mkdir(dirname(model), { recursive: true });
      await $`pnpm -s fixture --size full --seed 1 --out ${model}`;
    },
  },
  { name: 'convert', run: () => $`pnpm -s convert --keras ${model} --out ${artifacts}` },
  {
    name: 'verify --onnx',
    run: async () => {
      await $`pnpm -s verify --onnx --keras ${model} --artifacts ${artifacts}`;
      // GitHub Actions shows this file on the run's page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary) await appendFile(summary, await readFile(join(artifacts, 'parity.md'), 'utf8'));
      await rm(join(work, 'model'), { recursive: true, force: true });
    },
  },
  { name: 'build', run: () => $`pnpm -s turbo run build --output-logs=errors-only` },
  // A change of any published package's public API must show as a diff of its etc/*.api.md.
  { name: 'API reports', run: () => $`pnpm -s api` },
  ...published.map((p) => packStep(p.name, p.dir)),
  {
    name: 'install tarballs with npm',
    run: async () => {
      const consumer = join(work, 'consumer');
      await mkdir(consumer);
      await $({ cwd: consumer, verbose: false })`npm init -y`;
      await $({ cwd: consumer, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } })`npm install --no-audit --no-fund --prefer-offline ${published.map((p) => tarballs.get(p.name)!)}`;
      for (const { name } of published) {
        const script = `import(${JSON.stringify(name)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
        const installed = JSON.parse((await $({ cwd: consumer, verbose: false })`node --input-type=module -e ${script}`).stdout) as string[];
        const fromSource = Object.keys((await import(name)) as object).sort();
        console.log(`${name}: ${installed.length} exports from the installed tarball`);
        const missing = fromSource.filter((k) => !installed.includes(k));
        if (missing.length > 0) throw new Error(`${name}: the installed tarball lacks exports the source has: ${missing.join(', ')}`);
      }
      // The bin, from the installed tarball: machine output is only JSON on stdout.
      const keras = join(work, 'small.keras');
      await $`pnpm -s fixture --size small --seed 1 --out ${keras}`;
      const mule = join(consumer, 'node_modules', '.bin', 'mule');
      console.log(`mule --version: ${(await $({ cwd: consumer, verbose: false })`${mule} --version`).stdout.trim()}`);
      const inspected = await $({ cwd: consumer, verbose: false })`${mule} inspect --json ${keras}`;
      const report = JSON.parse(inspected.stdout) as { layers?: unknown[] };
      const jq = await $({ nothrow: true, verbose: false })`command -v jq`;
      if (jq.exitCode === 0) await $({ cwd: consumer, verbose: false })`${mule} inspect --json ${keras} | jq -e .layers`;
      console.log(`mule inspect --json: ${inspected.stdout.length} bytes of JSON on stdout (${report.layers?.length ?? 0} layers)${jq.exitCode === 0 ? ', read by jq' : ''}`);
    },
  },
  {
    name: 'convert installs without onnxruntime',
    run: async () => {
      const consumer = join(work, 'consumer-convert');
      await mkdir(consumer);
      await $({ cwd: consumer, verbose: false })`npm init -y`;
      await $({ cwd: consumer })`npm install --no-audit --no-fund --prefer-offline ${['@mule-ts/core', '@mule-ts/convert'].map((n) => tarballs.get(n)!)}`;
      const tree = (await $({ cwd: consumer, verbose: false })`npm ls --all --parseable`).stdout.split('\n').filter(Boolean);
      const native = tree.filter((p) => /onnxruntime/.test(p));
      if (native.length > 0) throw new Error(`@mule-ts/convert's dependency closure holds ${native.join(', ')}`);
      console.log(`@mule-ts/convert: ${tree.length - 1} packages in its dependency closure, none of them onnxruntime`);
    },
  },
  { name: 'changeset status', run: () => $`pnpm -s changeset status` },
];

let passed = false;
try {
  const result = await runGate(steps);
  passed = result.passed;
  console.log(`\n${renderGateSummary(result)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
console.log(passed ? chalk.green('GATE PASSED') : chalk.red('GATE FAILED'));
// CI reads the test count from the last line.
if (testSummary) console.log(testSummary);
process.exitCode = passed ? 0 : 1;
