#!/usr/bin/env node
/**
 * Run the NinjaOne simulator as a standalone server:
 *   node simulators/ninjaone/dist/cli.js --port 8090 --seed demo [--host 127.0.0.1]
 *     [--redirect-uri http://localhost:3000/cb]... [--cc-cannot-write] [--fed-like]
 *     [--prefixes both|v2|api/v2] [--rate-limit 5] [--token-ttl 3600] [--max-page-size 3]
 *     [--contacts-status 404|403] [--people-without-ids] [--refresh-revoked]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createNinjaOneSim,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_M2M_CLIENT_ID,
  DEMO_M2M_CLIENT_SECRET,
  type NinjaOneSimOptions,
  type SimFixture,
} from './sim';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string', default: 'demo' },
      'redirect-uri': { type: 'string', multiple: true },
      'cc-cannot-write': { type: 'boolean', default: false },
      'fed-like': { type: 'boolean', default: false },
      prefixes: { type: 'string', default: 'both' },
      'rate-limit': { type: 'string' },
      'token-ttl': { type: 'string' },
      'max-page-size': { type: 'string' },
      'contacts-status': { type: 'string' },
      'people-without-ids': { type: 'boolean', default: false },
      'refresh-revoked': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: ninjaone-sim [--port 8090] [--host 127.0.0.1] [--seed demo|empty|<fixture.json>] [--redirect-uri URI]... [--cc-cannot-write] [--fed-like] [--prefixes both|v2|api/v2] [--rate-limit <req/s>] [--token-ttl <s>] [--max-page-size <n>] [--contacts-status 404|403] [--people-without-ids] [--refresh-revoked]',
    );
    return;
  }
  const seed =
    values.seed === 'demo' || values.seed === 'empty'
      ? values.seed
      : (JSON.parse(readFileSync(values.seed, 'utf8')) as SimFixture);
  const options: NinjaOneSimOptions = {
    seed,
    clientCredentialsCannotWrite: values['cc-cannot-write'],
    fedLike: values['fed-like'],
    prefixes: values.prefixes as NinjaOneSimOptions['prefixes'],
    peopleWithoutNumericIds: values['people-without-ids'],
    refreshTokensRevoked: values['refresh-revoked'],
  };
  if (values['max-page-size']) options.maxPageSize = Number(values['max-page-size']);
  if (values['contacts-status']) {
    const status = Number(values['contacts-status']);
    if (status !== 404 && status !== 403) throw new Error('--contacts-status must be 404 or 403');
    options.contactsStatus = status;
  }
  if (values['token-ttl']) options.accessTokenTtlSeconds = Number(values['token-ttl']);
  if (values['rate-limit']) {
    const rps = Number(values['rate-limit']);
    options.rateLimit = { mode: '429', capacity: rps, refillPerSecond: rps };
  }
  const sim = createNinjaOneSim(options);
  if (values['redirect-uri']?.length) {
    const demo = sim.state.client(DEMO_CLIENT_ID);
    if (demo)
      sim.updateClient(DEMO_CLIENT_ID, {
        redirectUris: [...demo.redirectUris, ...values['redirect-uri']],
      });
  }
  const running = await sim.listen(Number(values.port), values.host);
  const demo = sim.state.client(DEMO_CLIENT_ID);
  console.log(`NinjaOne simulator listening on ${running.url}`);
  console.log(`  token endpoint:   ${running.url}/ws/oauth/token`);
  console.log(`  authorize:        ${running.url}/ws/oauth/authorize`);
  console.log(`  API base:         ${running.url}/v2 (and /api/v2)`);
  console.log(`  test control:     ${running.url}/__sim`);
  console.log(`  web client:       id=${DEMO_CLIENT_ID} secret=${DEMO_CLIENT_SECRET}`);
  console.log(`  redirect URIs:    ${(demo?.redirectUris ?? []).join(' ')}`);
  console.log(`  m2m client:       id=${DEMO_M2M_CLIENT_ID} secret=${DEMO_M2M_CLIENT_SECRET}`);
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
