export * from './file-names.js';
export * from './manifest.js';
export * from './model-config.js';
export type { StageRecord, StageStatusRecord, UpstreamDumpRecord, VerificationRecord } from './verification-record.js';
export { refuseUnlessVerified, verificationStatus, type RunUnverifiedOptions, type VerificationState, type VerificationStatus } from './verification-status.js';
