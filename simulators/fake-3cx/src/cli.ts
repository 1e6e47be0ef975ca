#!/usr/bin/env node
/**
 * Run the fake 3CX web client for a demo:
 *   node simulators/fake-3cx/dist/cli.js [--port 5001] [--host 127.0.0.1] [--extension 101] [--tone 440]
 *     [--speech "Hello, my printer is broken."]
 * then open the printed URL and place calls with
 *   curl -XPOST <origin>/control/calls -H 'content-type: application/json' -d '{"number":"+4930123","name":"Ada"}'
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFake3cx } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5001' },
      host: { type: 'string', default: '127.0.0.1' },
      extension: { type: 'string', default: '101' },
      tone: { type: 'string', default: '440' },
      speech: { type: 'string' },
    },
  });
  let callerAudioFile: string | undefined;
  if (values.speech) {
    // The caller speaks this text (espeak-ng), in a loop.
    callerAudioFile = join(mkdtempSync(join(tmpdir(), 'fake-3cx-')), 'caller.wav');
    execFileSync('espeak-ng', ['-w', callerAudioFile, values.speech]);
  }
  const fake = await startFake3cx({
    host: values.host,
    port: Number(values.port),
    extension: values.extension,
    callerToneHz: Number(values.tone),
    callerAudioFile,
  });
  console.log(`fake 3CX web client: ${fake.webClientUrl}`);
  console.log(
    `place a call: curl -XPOST ${fake.origin}/control/calls -H 'content-type: application/json' -d '{"number":"+4930123456","name":"Ada Lovelace"}'`,
  );
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
