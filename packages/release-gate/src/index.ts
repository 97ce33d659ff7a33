export { runGate, renderGateSummary } from './gate-runner.js';
export type { GateStep, GateStepStatus, GateStepTiming, GateResult, RunGateOptions } from './gate-runner.js';
export { packedPackageProblems, withoutSourceCondition } from './packed-package.js';
export type { PackedPackageRules } from './packed-package.js';
export { readPackedPackage } from './read-packed-package.js';
export type { PackedPackage } from './read-packed-package.js';
export { readWorkspacePackages } from './workspace-packages.js';
export type { WorkspacePackage } from './workspace-packages.js';
