export { describeBytes, sniffContainer } from './sniff-container.js';
export type { ContainerKind, SniffedContainer } from './sniff-container.js';
export { ZipArchive } from './zip-archive.js';
export type { ZipMember } from './zip-archive.js';
export type { StoredMemberRange } from './zip-archive.js';
