#!/usr/bin/env node
/**
 * Run the Whisper API simulator as a standalone server:
 *   node simulators/whisper-api/dist/cli.js [--port 8000] [--host 127.0.0.1]
 *     [--flavour openai|speaches|whisper.cpp] [--key KEY] [--model whisper-1]...
 *     [--path /v1/audio/transcriptions] [--language en] [--delay-ms 0]
 */
import { parseArgs } from 'node:util';
import { createWhisperApiSim, type Flavour } from './sim';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      flavour: { type: 'string', default: 'openai' },
      key: { type: 'string' },
      model: { type: 'string', multiple: true },
      path: { type: 'string', default: '/v1/audio/transcriptions' },
      language: { type: 'string', default: 'en' },
      'delay-ms': { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: whisper-api-sim [--port 8000] [--host 127.0.0.1] [--flavour openai|speaches|whisper.cpp] [--key KEY] [--model NAME]... [--path /v1/audio/transcriptions] [--language en] [--delay-ms N]',
    );
    return;
  }
  if (!['openai', 'speaches', 'whisper.cpp'].includes(values.flavour))
    throw new Error('--flavour must be openai, speaches or whisper.cpp');
  const sim = createWhisperApiSim({
    flavour: values.flavour as Flavour,
    apiKey: values.key ?? null,
    models: values.model?.length ? values.model : ['whisper-1'],
    path: values.path,
    detectedLanguage: values.language,
    delayMs: Number(values['delay-ms']),
  });
  const running = await sim.listen(Number(values.port), values.host);
  console.log(`Whisper API simulator (${values.flavour}) listening on ${running.url}`);
  console.log(`  transcriptions: POST ${running.endpoint}`);
  console.log(`  models:         ${sim.config().models?.join(', ') ?? 'any'}`);
  console.log(`  bearer key:     ${values.key ? 'required' : 'none'}`);
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
