import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '@mule-ts/test-utils';
import { packedPackageProblems, withoutSourceCondition, type PackedPackageRules } from './packed-package.js';
import { readPackedPackage } from './read-packed-package.js';
import { readWorkspacePackages } from './workspace-packages.js';

const RULES: PackedPackageRules = {
  privatePackages: ['@mule-ts/keras-fixture', '@mule-ts/test-utils'],
  requiredFiles: ['python/mule_reference/__main__.py'],
};

/** A manifest as `pnpm pack` writes it for a good package. */
function goodManifest(): Record<string, unknown> {
  return {
    name: '@mule-ts/verify',
    version: '0.1.0',
    description: 'parity',
    license: 'MIT',
    repository: { type: 'git', url: 'git+https://example.invalid/mule-ts.git', directory: 'packages/verify' },
    type: 'module',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    engines: { node: '>=20.19' },
    dependencies: { '@mule-ts/runtime': '0.1.0', pyodide: '^314.0.7' },
    devDependencies: { '@mule-ts/test-utils': '0.1.0' },
  };
}

const GOOD_FILES = ['LICENSE', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'src/index.ts', 'python/mule_reference/__main__.py'];

describe('packedPackageProblems', () => {
  it('accepts a correct packed package (private packages as devDependencies are fine)', () => {
    expect(packedPackageProblems(goodManifest(), GOOD_FILES, RULES)).toEqual([]);
  });

  it.each([
    ['a workspace: specifier left in', (m: Record<string, unknown>) => ((m.dependencies as Record<string, string>)['@mule-ts/runtime'] = 'workspace:*'), /dependencies\.@mule-ts\/runtime is still 'workspace:\*'/],
    ['a private workspace package as a dependency', (m: Record<string, unknown>) => ((m.dependencies as Record<string, string>)['@mule-ts/keras-fixture'] = '0.1.0'), /dependencies\.@mule-ts\/keras-fixture: a private workspace package/],
    ['the source condition', (m: Record<string, unknown>) => (m.exports = { '.': { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } }), /keeps the development-only 'source' condition/],
    ['types after default', (m: Record<string, unknown>) => (m.exports = { '.': { default: './dist/index.js', types: './dist/index.d.ts' } }), /'types' must be the first condition/],
    ['a target missing from the tarball', (m: Record<string, unknown>) => (m.exports = { '.': { types: './dist/index.d.ts', default: './dist/main.js' } }), /default points at \.\/dist\/main\.js, which is not in the tarball/],
    ['TypeScript source as the runtime target', (m: Record<string, unknown>) => (m.exports = { '.': { types: './dist/index.d.ts', default: './src/index.ts' } }), /points at TypeScript source \.\/src\/index\.ts/],
    ['no default condition', (m: Record<string, unknown>) => (m.exports = { '.': { types: './dist/index.d.ts' } }), /has no 'default'/],
    ['a nested source condition', (m: Record<string, unknown>) => (m.exports = { '.': { node: { source: './src/index.ts', default: './dist/index.js' }, default: './dist/index.js' } }), /exports\['\.\|node'\] keeps the development-only 'source'/],
    ['no repository', (m: Record<string, unknown>) => delete m.repository, /no 'repository'/],
    ['no engines', (m: Record<string, unknown>) => delete m.engines, /no 'engines\.node'/],
    ['no license field', (m: Record<string, unknown>) => delete m.license, /no 'license'/],
    ['CommonJS type', (m: Record<string, unknown>) => (m.type = 'commonjs'), /'type' is "commonjs"/],
    ['a missing bin target', (m: Record<string, unknown>) => (m.bin = { mule: './dist/cli.js' }), /bin target \.\/dist\/cli\.js is not in the tarball/],
  ])('reports %s', (_what, sabotage, expected) => {
    const manifest = goodManifest();
    sabotage(manifest);
    const problems = packedPackageProblems(manifest, GOOD_FILES, RULES);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it.each([
    ['python/mule_reference/__pycache__/cli.cpython-311.pyc', /Python bytecode cache/],
    ['python/mule_reference/cli.pyc', /Python bytecode/],
    ['src/gate/gate-runner.test.ts', /a test file/],
    ['dist/gate/gate-runner.test.d.ts', /a test file/],
    ['src/frontend/__fixtures__/signals.ts', /a test fixture/],
    ['.vitest-report.json', /a test report/],
    ['tsconfig.build.tsbuildinfo', /TypeScript build cache/],
  ])('reports the shipped file %s', (file, expected) => {
    const problems = packedPackageProblems(goodManifest(), [...GOOD_FILES, file], RULES);
    expect(problems).toEqual([expect.stringMatching(expected)]);
    expect(problems[0]).toContain(file);
  });

  it('reports a missing LICENSE and a missing required file', () => {
    const files = GOOD_FILES.filter((f) => f !== 'LICENSE' && !f.startsWith('python/'));
    expect(packedPackageProblems(goodManifest(), files, RULES)).toEqual([
      'the tarball has no LICENSE file',
      'the tarball lacks python/mule_reference/__main__.py',
    ]);
  });

  it('requires the published exports to be the workspace exports without source', () => {
    const developmentExports = {
      '.': { source: './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    };
    expect(packedPackageProblems(goodManifest(), GOOD_FILES, { ...RULES, developmentExports })).toEqual([]);
    const withNewSubpath = { ...developmentExports, './cli': { source: './src/cli.ts', types: './dist/cli.d.ts', default: './dist/cli.js' } };
    expect(packedPackageProblems(goodManifest(), GOOD_FILES, { ...RULES, developmentExports: withNewSubpath })).toEqual([
      expect.stringMatching(/are not the workspace exports without 'source'.*"\.\/cli".*update publishConfig\.exports$/),
    ]);
  });

  it('refuses a manifest that is not an object', () => {
    expect(packedPackageProblems(null, GOOD_FILES, RULES)).toEqual(['package.json is not a JSON object']);
  });
});

describe('withoutSourceCondition', () => {
  it('removes source at every level and keeps the order of the rest', () => {
    const stripped = withoutSourceCondition({ '.': { source: 's', types: 't', node: { source: 's', default: 'n' }, default: 'd' }, './x': './x.js' });
    expect(JSON.stringify(stripped)).toBe('{".":{"types":"t","node":{"default":"n"},"default":"d"},"./x":"./x.js"}');
  });

  it('drops a development-only subpath (its only condition is source)', () => {
    const stripped = withoutSourceCondition({ '.': { source: 's', default: 'd' }, './internal': { source: './src/internal.ts' } });
    expect(JSON.stringify(stripped)).toBe('{".":{"default":"d"}}');
  });
});

describe('readPackedPackage', () => {
  it('lists the files of an unpacked tarball relative to its root, and parses its manifest', async () => {
    const { dir, cleanup } = await makeTempDir('mule-gate-packed-');
    try {
      const root = join(dir, 'package');
      for (const file of ['package.json', 'LICENSE', 'dist/index.js', 'python/mule_reference/cli.py']) {
        await mkdir(dirname(join(root, file)), { recursive: true });
        await writeFile(join(root, file), file === 'package.json' ? '{"name":"x"}' : '');
      }
      await mkdir(join(root, 'empty-dir'));
      const packed = await readPackedPackage(root);
      expect(packed.files).toEqual(['LICENSE', 'dist/index.js', 'package.json', 'python/mule_reference/cli.py']);
      expect(packed.manifest).toEqual({ name: 'x' });
    } finally {
      await cleanup();
    }
  });
});

describe('readWorkspacePackages', () => {
  it('finds the published and the private packages of this repository', async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    const packages = await readWorkspacePackages(root);
    const published = packages.filter((p) => !p.private).map((p) => p.name);
    const privateOnes = packages.filter((p) => p.private).map((p) => p.name);
    expect(published).toEqual(['@mule-ts/cli', '@mule-ts/convert', '@mule-ts/core', '@mule-ts/runtime', '@mule-ts/verify', '@mule-ts/web']);
    expect(privateOnes).toEqual(expect.arrayContaining(['@mule-ts/bench', '@mule-ts/keras-fixture', '@mule-ts/release-gate', '@mule-ts/test-utils']));
    expect(packages.find((p) => p.name === '@mule-ts/verify')?.dir).toBe(join(root, 'packages', 'verify'));
  });
});
