// The REAL transcription worker (worker-gpu's startWorker) running in the test process against a
// test app's queue and internal audio endpoint: whisper.cpp on the CPU with the generated test
// model, or (env WHISPER_ENGINE=openai, WHISPER_API_URL, …) the OpenAI-compatible engine.
import { join } from 'node:path';
import { loadConfig as loadWorkerConfig } from '../../worker-gpu/src/config';
import { createTranscriber } from '../../worker-gpu/src/engine/create';
import type { Transcriber } from '../../worker-gpu/src/engine/transcriber';
import { TEST_MODEL_PATH } from '../../worker-gpu/src/models/paths';
import { ensureTestModel } from '../../worker-gpu/src/models/test-model';
import { startWorker, type RunningWorker } from '../../worker-gpu/src/worker';
import { TEST_WORKER_TOKEN, type TestApp } from './app';
import { TEST_REDIS_URL, testTmpRoot } from './services';

export interface InProcessWorker {
  worker: RunningWorker;
  engine: Transcriber;
  stop(): Promise<void>;
}

/**
 * `id` names the worker's heartbeat and health file; give the app a Redis prefix of its own.
 * `env` adds to or overrides the worker's environment (e.g. the Whisper API engine's variables).
 */
export async function startInProcessWorker(
  t: TestApp,
  id: string,
  env: Record<string, string> = {},
  /** Receives the worker's log lines (default: dropped). */
  log: (msg: string, extra?: Record<string, unknown>) => void = () => undefined,
): Promise<InProcessWorker> {
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
    ...env,
  });
  if (config.engine === 'whisper-cpp') ensureTestModel(TEST_MODEL_PATH);
  const engine = await createTranscriber({ ...config, concurrency: 1 });
  const worker = await startWorker(config, engine, log);
  return {
    worker,
    engine,
    stop: async () => {
      await worker.stop(0);
      await engine.close();
    },
  };
}

/** The generated test model's file (generated on first use), e.g. to copy it under another name. */
export function testModelFile(): string {
  ensureTestModel(TEST_MODEL_PATH);
  return TEST_MODEL_PATH;
}
