// The REAL transcription worker (worker-gpu's startWorker, whisper.cpp on the CPU with the generated
// test model) running in the test process against a test app's queue and internal audio endpoint.
import { join } from 'node:path';
import { loadConfig as loadWorkerConfig } from '../../worker-gpu/src/config';
import { WhisperCppTranscriber } from '../../worker-gpu/src/engine/whisper-cpp';
import { TEST_MODEL_PATH } from '../../worker-gpu/src/models/paths';
import { ensureTestModel } from '../../worker-gpu/src/models/test-model';
import { startWorker, type RunningWorker } from '../../worker-gpu/src/worker';
import { TEST_WORKER_TOKEN, type TestApp } from './app';
import { TEST_REDIS_URL, testTmpRoot } from './services';

export interface InProcessWorker {
  worker: RunningWorker;
  engine: WhisperCppTranscriber;
  stop(): Promise<void>;
}

/** `id` names the worker's heartbeat and health file; give the app a Redis prefix of its own. */
export async function startInProcessWorker(t: TestApp, id: string): Promise<InProcessWorker> {
  ensureTestModel(TEST_MODEL_PATH);
  const engine = await WhisperCppTranscriber.create({
    modelPath: TEST_MODEL_PATH,
    gpu: false,
    contexts: 1,
  });
  const config = loadWorkerConfig({
    PATH: process.env.PATH,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: t.config.redisPrefix,
    SERVER_INTERNAL_URL: t.url(),
    WORKER_TOKEN: TEST_WORKER_TOKEN,
    WHISPER_MODEL: 'test',
    WHISPER_LANGUAGE: 'en',
    WHISPER_THREADS: '2',
    WHISPER_TEMPERATURE_INC: '0',
    WORKER_ID: `${id}-${process.pid}`,
    HEALTH_FILE: join(testTmpRoot(), `worker-${id}-${process.pid}-alive`),
  });
  const worker = await startWorker(config, engine, () => undefined);
  return {
    worker,
    engine,
    stop: async () => {
      await worker.stop(0);
      await engine.close();
    },
  };
}
