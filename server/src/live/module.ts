import type { JobWhisperSettings, LiveChannel } from '@cwn/protocol';
import type { ModuleDeps } from '../module-deps';
import { createRedis } from '../queue/redis';
import type { RecordingAudio } from '../recordings/audio.service';
import type { RecordingIngest } from '../recordings/ingest.service';
import type { RecordingWindows } from './recording-windows';
import type { TranscriptsService } from '../transcripts/transcripts.service';
import { AppendLock } from './append-lock';
import { LiveAudioLog } from './live-audio-log';
import { LiveRepository } from './live.repository';
import { registerLiveRoutes } from './live.routes';
import { LiveService } from './live.service';
import { createSpeechDetector, type SpeechDetector } from './windowing/speech-detector';
import { WindowQueue } from './window-jobs';

export interface LiveModule {
  service: LiveService;
  /** Starts the idle sweeper (its first pass at once: sessions a stopped server left). */
  start(): void;
  close(): Promise<void>;
}

/** Live recordings: streamed audio, windows cut at pauses and queued, results, the idle sweeper. */
export function createLiveModule(
  d: ModuleDeps & {
    ingest: RecordingIngest;
    audio: RecordingAudio;
    recordingWindows: RecordingWindows;
    transcripts: TranscriptsService;
    /** The Whisper settings and vocabulary each call's windows carry. */
    jobSettings?: (callId: string) => Promise<JobWhisperSettings>;
  },
): LiveModule {
  const { config, logger } = d;
  // The appends' lock fails at once while Redis is away (a 503 before anything is written).
  const lockRedis = createRedis(config.redisUrl, logger, 'live-lock', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
  });
  let fellBack = false;
  const detector = () =>
    createSpeechDetector(config.live.vad, (reason) => {
      if (!fellBack) logger.warn({ reason }, 'Silero VAD unavailable: energy detector used');
      fellBack = true;
    });
  const service = new LiveService({
    repo: new LiveRepository(d.sequelize),
    log: new LiveAudioLog(config.storageDir, config.keyring),
    models: d.models,
    lock: new AppendLock(lockRedis, config.redisPrefix),
    windows: new WindowQueue(d.queues.transcription),
    ingest: d.ingest,
    audio: d.audio,
    recordingWindows: d.recordingWindows,
    transcripts: d.transcripts,
    fanOut: d.fanOut,
    detectors: async (): Promise<Record<LiveChannel, SpeechDetector>> => ({
      agent: await detector(),
      caller: await detector(),
    }),
    logger,
    now: d.now,
    keyId: config.keyring.current.id,
    maxRecordingSeconds: config.maxRecordingSeconds,
    idleTimeoutMs: config.live.idleTimeoutMs,
    jobSettings: d.jobSettings,
  });
  registerLiveRoutes(d.routes, service, d.audit);

  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<void> | null = null;
  const sweep = () => {
    sweeping ??= service
      .sweep()
      .catch((err: unknown) => logger.warn({ err }, 'live sweeper pass failed'))
      .finally(() => (sweeping = null));
  };
  return {
    service,
    start: () => {
      if (timer) return;
      sweep();
      timer = setInterval(sweep, Math.min(30_000, Math.max(500, config.live.idleTimeoutMs / 4)));
      timer.unref();
    },
    close: async () => {
      if (timer) clearInterval(timer);
      timer = null;
      await sweeping;
      service.stop();
      lockRedis.disconnect();
    },
  };
}
