export * from './errors';
export * from './keys';
export * from './blob-store';
export { LocalBlobStore } from './local-blob-store';
export {
  EncryptedAudioStore,
  type EncryptedPutOptions,
  type OpenedRange,
  type RecordingStat,
  type RotationReport,
  type StoredRecording,
} from './encrypted-audio-store';
export { DEFAULT_CHUNK_SIZE, HEADER_SIZE, rewrapFile, planRewrap, type RewrapPlan } from './crypto';
export { parseRangeHeader, contentRange, type RangeResult } from './range';
