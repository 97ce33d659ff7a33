export { verifyArtifacts, type VerifyHooks, type VerifyOutcome, type VerifyRequest } from './verify-artifacts.js';
export { VerifyInputError } from './verify-input-error.js';
export { appendVerificationRecord, makeVerificationRecord } from './verification-record.js';
