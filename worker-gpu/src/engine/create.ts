/**
 * Builds the engine the configuration names. Both take plain options, so a per-job choice (the
 * admins' Whisper settings) can build one the same way.
 */
import type { WorkerConfig } from '../config';
import { OpenAiCompatibleTranscriber } from './openai-compatible';
import type { Transcriber } from './transcriber';
import { WhisperCppTranscriber } from './whisper-cpp';

export async function createTranscriber(
  config: Pick<WorkerConfig, 'engine' | 'openai' | 'modelPath' | 'gpu' | 'concurrency'>,
  log: (msg: string, extra?: Record<string, unknown>) => void = () => undefined,
): Promise<Transcriber> {
  if (config.engine === 'openai') {
    if (!config.openai) throw new Error('WHISPER_ENGINE=openai without its options');
    const engine = new OpenAiCompatibleTranscriber(config.openai);
    log('using a Whisper server', {
      engine: engine.engine,
      endpoint: engine.endpoint,
      model: engine.model,
      key: config.openai.apiKey ? 'set' : 'none',
    });
    return engine;
  }
  log('loading model', { path: config.modelPath, gpu: config.gpu, contexts: config.concurrency });
  return WhisperCppTranscriber.create({
    modelPath: config.modelPath,
    gpu: config.gpu,
    contexts: config.concurrency,
    log: (line) => {
      if (/error|warn|backend|gpu|CUDA|model size/i.test(line)) log('whisper.cpp', { line });
    },
  });
}
