#!/usr/bin/env node
/**
 * Run the fake 3CX web client for a demo:
 *   node scripts/dist/fake-3cx/cli.js [--port 5001] [--host 127.0.0.1] [--extension 101] [--tone 440]
 * then open the printed URL and place calls with
 *   curl -XPOST <origin>/control/calls -H 'content-type: application/json' -d '{"number":"+4930123","name":"Ada"}'
 */
import { parseArgs } from 'node:util';
import { startFake3cx } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5001' },
      host: { type: 'string', default: '127.0.0.1' },
      extension: { type: 'string', default: '101' },
      tone: { type: 'string', default: '440' },
    },
  });
  const fake = await startFake3cx({
    host: values.host,
    port: Number(values.port),
    extension: values.extension,
    callerToneHz: Number(values.tone),
  });
  console.log(`fake 3CX web client: ${fake.webClientUrl}`);
  console.log(`place a call: curl -XPOST ${fake.origin}/control/calls -H 'content-type: application/json' -d '{"number":"+4930123456","name":"Ada Lovelace"}'`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
