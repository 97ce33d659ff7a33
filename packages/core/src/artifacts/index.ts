export * from './file-names.js';
export * from './manifest.js';
export * from './model-config.js';
export { verificationStatus, type StageRecord, type StageStatusRecord, type VerificationRecord, type VerificationState, type VerificationStatus } from './verification-record.js';
