#!/usr/bin/env node
/**
 * npm run simulate-call -- [--audio FILE] [--server URL] [--email E --password P] [--number +33…] [--timeout S]
 *                           [--live [--speed N] [--concurrent N]]
 * Without --audio a short two-voice call is spoken with espeak-ng + sox. With --live the call is
 * streamed while it lasts (N times faster with --speed), its segments printed as they arrive, and
 * the time from the hang-up to the final transcript; --concurrent N plays N agents at once
 * (`{n}` in --email becomes 1..N; without it every call is the same agent's).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { simulateLiveCalls } from './live';
import { SimulateError, simulateCall } from './simulate';
import { makeTwoVoiceWav } from './two-voice-wav';

const USAGE =
  'usage: npm run simulate-call -- [--audio FILE.wav] [--server URL] [--email E --password P] [--number +33…] [--timeout SECONDS] [--live [--speed N] [--concurrent N]]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        audio: { type: 'string' },
        server: {
          type: 'string',
          default: process.env.SERVER_URL ?? `http://localhost:${process.env.PORT ?? 3000}`,
        },
        email: { type: 'string', default: process.env.DEMO_AGENT_EMAIL ?? 'agent@demo.local' },
        password: {
          type: 'string',
          default: process.env.DEMO_AGENT_PASSWORD ?? 'demo-agent-password',
        },
        number: { type: 'string', default: '+33 1 23 45 67 89' },
        timeout: { type: 'string', default: '300' },
        live: { type: 'boolean', default: false },
        speed: { type: 'string', default: '1' },
        concurrent: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const timeoutS = Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    console.error(`--timeout must be a positive number of seconds\n${USAGE}`);
    return 2;
  }
  const speed = Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0) {
    console.error(`--speed must be a positive number (1 = real time)\n${USAGE}`);
    return 2;
  }
  const concurrent = Number(values.concurrent);
  if (!Number.isInteger(concurrent) || concurrent < 1 || concurrent > 200) {
    console.error(`--concurrent must be a whole number from 1 to 200\n${USAGE}`);
    return 2;
  }
  if (!values.live && (values.speed !== '1' || values.concurrent !== '1')) {
    console.error(`--speed and --concurrent go with --live\n${USAGE}`);
    return 2;
  }
  let wav: Buffer;
  if (values.audio) {
    try {
      wav = readFileSync(values.audio);
    } catch (err) {
      console.error(
        `cannot read ${values.audio}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
      return 2;
    }
  } else {
    console.log('no --audio: speaking a short two-voice call with espeak-ng + sox');
    wav = makeTwoVoiceWav();
  }
  if (values.live) {
    await simulateLiveCalls(
      {
        server: values.server!,
        email: values.email!,
        password: values.password!,
        number: values.number!,
        wav,
        speed,
        finalTimeoutMs: timeoutS * 1000,
      },
      concurrent,
    );
    return 0;
  }
  await simulateCall({
    server: values.server!,
    email: values.email!,
    password: values.password!,
    number: values.number!,
    wav,
    timeoutMs: timeoutS * 1000,
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      `simulate-call: ${err instanceof SimulateError || err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(1);
  },
);
