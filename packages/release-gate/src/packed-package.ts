/**
 * What a packed (publishable) package must look like, checked on the tarball's own manifest and
 * file list, i.e. after `pnpm pack` rewrote `workspace:` specifiers and applied `publishConfig`.
 * Complements publint and are-the-types-wrong with this repository's rules.
 */

export interface PackedPackageRules {
  /** Workspace packages that are never published: they may not be runtime dependencies. */
  privatePackages: readonly string[];
  /** Paths (relative to the package root) that must be in the tarball besides the export targets. */
  requiredFiles?: readonly string[];
  /**
   * The workspace package.json's `exports`: the published ones must be the same map with every
   * `source` condition removed, so a subpath added in development cannot be forgotten in publishConfig.
   */
  developmentExports?: unknown;
}

const RUNTIME_DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;
const ALL_DEPENDENCY_FIELDS = [...RUNTIME_DEPENDENCY_FIELDS, 'devDependencies'] as const;

const FORBIDDEN_FILES: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /(^|\/)__pycache__\//, what: 'a Python bytecode cache' },
  { pattern: /\.py[co]$/, what: 'Python bytecode' },
  { pattern: /\.test\.(d\.)?[cm]?[jt]s(\.map)?$/, what: 'a test file' },
  { pattern: /(^|\/)__fixtures__\//, what: 'a test fixture' },
  { pattern: /(^|\/)\.vitest-report\.json$/, what: 'a test report' },
  { pattern: /(^|\/)(node_modules|\.turbo)\//, what: 'a build/install directory' },
  { pattern: /\.tsbuildinfo$/, what: 'a TypeScript build cache' },
];

const LICENSE_FILE = /^(LICENSE|LICENCE)(\.md|\.txt)?$/i;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

function normalise(target: string): string {
  return target.replace(/^\.\//, '');
}

function requiredFieldProblems(manifest: Json): string[] {
  const problems: string[] = [];
  for (const field of ['name', 'version', 'description', 'license'] as const) {
    if (!nonEmptyString(manifest[field])) problems.push(`package.json has no '${field}'`);
  }
  const repository = manifest.repository;
  if (!nonEmptyString(repository) && !(isObject(repository) && nonEmptyString(repository.url))) {
    problems.push("package.json has no 'repository' (string or { url })");
  }
  if (!isObject(manifest.engines) || !nonEmptyString(manifest.engines.node)) problems.push("package.json has no 'engines.node'");
  if (manifest.type !== 'module') problems.push(`package.json 'type' is ${JSON.stringify(manifest.type)}, expected "module"`);
  return problems;
}

function dependencyProblems(manifest: Json, rules: PackedPackageRules): string[] {
  const problems: string[] = [];
  for (const field of ALL_DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (deps === undefined) continue;
    if (!isObject(deps)) {
      problems.push(`package.json '${field}' is not an object`);
      continue;
    }
    for (const [name, spec] of Object.entries(deps)) {
      if (typeof spec === 'string' && spec.startsWith('workspace:')) {
        problems.push(`${field}.${name} is still '${spec}' (pack with pnpm, which rewrites workspace: specifiers)`);
      }
      const runtimeField = (RUNTIME_DEPENDENCY_FIELDS as readonly string[]).includes(field);
      if (runtimeField && rules.privatePackages.includes(name)) {
        problems.push(`${field}.${name}: a private workspace package cannot be a dependency of a published one (make it a devDependency)`);
      }
    }
  }
  return problems;
}

/** Walks one export entry (a target string or a conditions object) and reports what is wrong with it. */
function exportEntryProblems(subpath: string, entry: unknown, files: ReadonlySet<string>): string[] {
  if (typeof entry === 'string') {
    return files.has(normalise(entry)) ? [] : [`exports['${subpath}'] points at ${entry}, which is not in the tarball`];
  }
  if (!isObject(entry)) return [`exports['${subpath}'] is neither a path nor a conditions object`];
  const problems: string[] = [];
  // 'source' is reported once below; the other rules judge what consumers would actually resolve.
  const conditions = Object.keys(entry).filter((c) => c !== 'source');
  if ('source' in entry) {
    problems.push(`exports['${subpath}'] keeps the development-only 'source' condition (strip it with publishConfig.exports)`);
  }
  if ('types' in entry && conditions[0] !== 'types') problems.push(`exports['${subpath}']: 'types' must be the first condition`);
  if (!('default' in entry) && !('import' in entry)) problems.push(`exports['${subpath}'] has no 'default' (or 'import') condition`);
  for (const [condition, target] of Object.entries(entry)) {
    if (condition === 'source') continue;
    if (typeof target === 'string') {
      if (!files.has(normalise(target))) problems.push(`exports['${subpath}'].${condition} points at ${target}, which is not in the tarball`);
      if (condition === 'types' && !/\.d\.[cm]?ts$/.test(target)) problems.push(`exports['${subpath}'].types points at ${target}, not a declaration file`);
      if (condition !== 'types' && /\.[cm]?ts$/.test(target) && !/\.d\.[cm]?ts$/.test(target)) {
        problems.push(`exports['${subpath}'].${condition} points at TypeScript source ${target}; consumers need the built JavaScript`);
      }
    } else {
      problems.push(...exportEntryProblems(`${subpath}|${condition}`, target, files));
    }
  }
  return problems;
}

function exportsProblems(manifest: Json, files: ReadonlySet<string>): string[] {
  const exportsField = manifest.exports;
  if (exportsField === undefined) return ["package.json has no 'exports'"];
  if (typeof exportsField === 'string' || !isObject(exportsField) || !Object.keys(exportsField).every((k) => k.startsWith('.'))) {
    return exportEntryProblems('.', exportsField, files);
  }
  return Object.entries(exportsField).flatMap(([subpath, entry]) => exportEntryProblems(subpath, entry, files));
}

/**
 * `exports` with every `source` condition removed, order kept. A subpath whose only condition is
 * `source` (e.g. `./internal` for the repository's own tools) is development-only and goes with it.
 */
export function withoutSourceCondition(exportsField: unknown): unknown {
  if (!isObject(exportsField)) return exportsField;
  return Object.fromEntries(
    Object.entries(exportsField)
      .filter(([key]) => key !== 'source')
      .map(([key, value]) => [key, withoutSourceCondition(value)] as const)
      .filter(([, value]) => !(isObject(value) && Object.keys(value).length === 0)),
  );
}

function exportsDriftProblems(manifest: Json, rules: PackedPackageRules): string[] {
  if (rules.developmentExports === undefined) return [];
  const expected = JSON.stringify(withoutSourceCondition(rules.developmentExports));
  const found = JSON.stringify(manifest.exports);
  return expected === found
    ? []
    : [`the published exports ${found} are not the workspace exports without 'source' (${expected}): update publishConfig.exports`];
}

function binProblems(manifest: Json, files: ReadonlySet<string>): string[] {
  const bin = manifest.bin;
  if (bin === undefined) return [];
  const targets = typeof bin === 'string' ? [bin] : isObject(bin) ? Object.values(bin) : [];
  return targets
    .filter((target) => typeof target !== 'string' || !files.has(normalise(target)))
    .map((target) => `bin target ${String(target)} is not in the tarball`);
}

function fileProblems(files: readonly string[], rules: PackedPackageRules): string[] {
  const problems: string[] = [];
  const present = new Set(files);
  if (!files.some((file) => LICENSE_FILE.test(file))) problems.push('the tarball has no LICENSE file');
  for (const required of rules.requiredFiles ?? []) {
    if (!present.has(normalise(required))) problems.push(`the tarball lacks ${required}`);
  }
  for (const file of files) {
    const forbidden = FORBIDDEN_FILES.find((f) => f.pattern.test(file));
    if (forbidden) problems.push(`the tarball ships ${file} (${forbidden.what})`);
  }
  return problems;
}

/**
 * Every problem with a packed package, as sentences; empty when it may be published.
 * `files` are the tarball's paths relative to the package root (without the `package/` prefix).
 */
export function packedPackageProblems(manifest: unknown, files: readonly string[], rules: PackedPackageRules): string[] {
  if (!isObject(manifest)) return ['package.json is not a JSON object'];
  const present = new Set(files);
  return [
    ...requiredFieldProblems(manifest),
    ...dependencyProblems(manifest, rules),
    ...exportsProblems(manifest, present),
    ...exportsDriftProblems(manifest, rules),
    ...binProblems(manifest, present),
    ...fileProblems(files, rules),
  ];
}
