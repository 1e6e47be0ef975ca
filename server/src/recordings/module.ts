import type { JobWhisperSettings } from '@cwn/protocol';
import type { ModuleDeps } from '../module-deps';
import type { CallLifecycle } from '../calls/lifecycle/call-lifecycle';
import { LiveRepository } from '../live/live.repository';
import { RecordingWindows } from '../live/recording-windows';
import { createSpeechDetector } from '../live/windowing/speech-detector';
import { WindowQueue } from '../live/window-jobs';
import { EncryptedAudioStore, LocalBlobStore } from '../storage';
import { registerAudioRoutes } from './audio.routes';
import { RecordingAudio } from './audio.service';
import { RecordingIngest } from './ingest.service';
import { RecordingErasure } from './recording-erasure';
import { TranscriptionQueue } from './transcription-queue';
import { registerUploadRoutes } from './upload.routes';
import { UploadSessions } from './upload-sessions.service';
import { UploadStaging } from './upload-staging';

export interface RecordingsModule {
  ingest: RecordingIngest;
  uploads: UploadSessions;
  audio: RecordingAudio;
  /** Destroying recordings for a privacy erasure (the privacy module). */
  erasure: RecordingErasure;
  /** The encrypted audio store (opened on first use: it creates STORAGE_DIR). */
  store: () => Promise<EncryptedAudioStore>;
  /** Long uploads' window jobs (decision 1401): the live module stores their results. */
  windows: RecordingWindows;
}

/** Recordings: upload (direct and resumable), the encrypted store, playback, queueing the transcription. */
export function createRecordingsModule(
  d: ModuleDeps & {
    lifecycle: CallLifecycle;
    /** The Whisper settings and vocabulary a call's transcription job carries. */
    jobSettings?: (callId: string) => Promise<JobWhisperSettings>;
  },
): RecordingsModule {
  const { config } = d;
  let opening: Promise<EncryptedAudioStore> | undefined;
  const store = () =>
    (opening ??= LocalBlobStore.open(config.storageDir).then(
      (blobs) => new EncryptedAudioStore(blobs, config.keyring),
    ));
  const keyId = config.keyring.current.id;
  const audio = new RecordingAudio(d.models, store, d.logger);
  const detector = () =>
    createSpeechDetector(config.live.vad, (reason) =>
      d.logger.warn({ reason }, 'Silero VAD unavailable: energy detector used for an upload'),
    );
  const windows = new RecordingWindows({
    repo: new LiveRepository(d.sequelize),
    windows: new WindowQueue(d.queues.transcription),
    audio,
    detectors: async () => ({ agent: await detector(), caller: await detector() }),
    minDurationMs: config.live.batchSplitMinSeconds * 1000,
    logger: d.logger,
    now: d.now,
  });
  const ingest = new RecordingIngest({
    sequelize: d.sequelize,
    models: d.models,
    store,
    queue: new TranscriptionQueue(d.queues.transcription, d.jobSettings, d.logger, windows),
    lifecycle: d.lifecycle,
    recordingUploaded: (agentId, recording) =>
      d.fanOut.publish('recording.uploaded', recording, { agentId }),
    audit: d.audit,
    logger: d.logger,
    maxRecordingSeconds: config.maxRecordingSeconds,
    keyId,
    now: d.now,
  });
  const uploads = new UploadSessions({
    models: d.models,
    redis: d.redis,
    redisPrefix: config.redisPrefix,
    staging: new UploadStaging(config.storageDir, config.keyring),
    ingest,
    logger: d.logger,
    keyId,
    maxRecordingSeconds: config.maxRecordingSeconds,
    ttlHours: config.uploadSessionTtlHours,
    now: d.now,
  });
  registerUploadRoutes(d.routes, ingest, uploads, config.maxRecordingSeconds);
  registerAudioRoutes(d.routes, audio, d.audit, { redis: d.redis, prefix: config.redisPrefix });
  const erasure = new RecordingErasure({
    models: d.models,
    store,
    redis: d.redis,
    redisPrefix: config.redisPrefix,
    transcriptionQueue: d.queues.transcription,
    windows,
  });
  return { ingest, uploads, audio, erasure, store, windows };
}
