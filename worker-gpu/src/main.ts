/**
 * Worker entry: validate the environment, load the model (or point at the Whisper server), consume transcription jobs until
 * SIGTERM/SIGINT (then finish or hand back the running job and exit).
 */
import { ConfigError, loadConfig } from './config';
import { createTranscriber } from './engine/create';
import { createLog } from './log';
import { startWorker } from './worker';

const log = createLog(process.env.LOG_LEVEL || 'info');

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const engine = await createTranscriber(config, log);
  const running = await startWorker(config, engine, log);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      log('second signal: exiting now', { signal });
      process.exit(1);
    }
    log('shutdown requested', { signal });
    running
      .stop()
      .then(() => engine.close())
      .then(() => process.exit(0))
      .catch((err: Error) => {
        log('shutdown failed', { error: err.message });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  log('fatal', { error: err.message, stack: err.stack });
  process.exit(1);
});
