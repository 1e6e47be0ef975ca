/**
 * The server as it runs in production: `src/main.ts` in its own process, against an empty
 * database of its own and a Redis prefix of its own. At start it migrates, creates the first admin
 * from ADMIN_EMAIL/ADMIN_PASSWORD (once), queues the recordings an earlier failure left unqueued,
 * and listens; SIGTERM stops it cleanly (exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import request from 'supertest';
import { QUEUES } from '@cwn/protocol';
import { defineModels, type Models } from '../src/db/models';
import { createMigrator } from '../src/db/migrator';
import { createSequelize } from '../src/db/sequelize';
import { testEnv } from '@cwn/test-support/app';
import { deleteRedisPrefix, freshDatabase, TEST_REDIS_URL } from '@cwn/test-support/services';
import { eventually, seedCallWithRecording } from '@cwn/test-support/transcript-fixtures';

jest.setTimeout(90_000);

const ADMIN = {
  email: `first-admin-${process.pid}@test.local`,
  password: 'a long first admin password',
};
const PREFIX = `${process.env.CWN_TEST_REDIS_PREFIX}-main${process.pid}`;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let sequelize: ReturnType<typeof createSequelize>;
let models: Models;
let queue: Queue;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase('main');
  sequelize = createSequelize(db.url);
  models = defineModels(sequelize);
  queue = new Queue(QUEUES.transcription, { connection: { url: TEST_REDIS_URL }, prefix: PREFIX });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await queue?.close();
  await sequelize?.close();
  await deleteRedisPrefix(PREFIX);
  await db?.drop();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface Running {
  url: string;
  child: ChildProcess;
  /** The pino log lines (JSON) so far. */
  log: () => { msg?: string; [k: string]: unknown }[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startServer(): Promise<Running> {
  const port = await freePort();
  const env = testEnv({
    DATABASE_URL: db.url,
    REDIS_PREFIX: PREFIX,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'src', 'main.ts')],
    {
      cwd: join(__dirname, '..'),
      env: { PATH: process.env.PATH, ...env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const log = () =>
    out.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as { msg?: string }];
      } catch {
        return [];
      }
    });
  const listening = await Promise.race([
    eventually(
      'the server listening',
      () => log().some((l) => l.msg === 'server listening'),
      60_000,
    ),
    exited.then(({ code }) => {
      throw new Error(`server exited (${code}) before listening:\n${out}`);
    }),
  ]);
  expect(listening).toBe(true);
  return { url: `http://127.0.0.1:${port}`, child, log, exited };
}

async function stop(s: Running): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exited).toEqual({ code: 0, signal: null });
  expect(s.log().some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
}

describe('the server process (src/main.ts)', () => {
  it('migrates an empty database, creates the first admin, serves, and stops on SIGTERM', async () => {
    const s = await startServer();
    // Every migration applied, none pending.
    expect(await createMigrator(sequelize).pending()).toEqual([]);
    expect((await createMigrator(sequelize).executed()).length).toBeGreaterThan(0);
    expect(s.log().some((l) => l.msg === 'migrations applied')).toBe(true);
    expect(s.log().some((l) => l.msg === 'first admin created' && l.email === ADMIN.email)).toBe(
      true,
    );

    const ready = await request(s.url).get('/readyz');
    expect(ready.status).toBe(200);
    const login = await request(s.url).post('/api/auth/login').send(ADMIN);
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email: ADMIN.email, role: 'admin' });
    await stop(s);
  });

  it('on a second start: no migration, no second admin, and recordings left unqueued are queued', async () => {
    const admin = await models.User.findOne({ where: { email: ADMIN.email } });
    expect(admin).not.toBeNull();
    // An upload stored while Redis was unreachable: the call stayed `uploaded`, no job.
    const stranded = await seedCallWithRecording(models, admin!.id, { status: 'uploaded' });
    const queued = await seedCallWithRecording(models, admin!.id, { status: 'queued' });
    expect(await queue.getJob(stranded.recordingId)).toBeUndefined();

    const s = await startServer();
    expect(s.log().some((l) => l.msg === 'migrations applied')).toBe(false);
    expect(s.log().some((l) => l.msg === 'first admin created')).toBe(false);
    expect(await models.User.count({ where: { role: 'admin' } })).toBe(1);
    expect(s.log().find((l) => l.msg?.startsWith('queued recordings left unqueued'))).toMatchObject(
      { requeued: 1 },
    );
    const job = await queue.getJob(stranded.recordingId);
    expect(job?.data).toMatchObject({ recordingId: stranded.recordingId, callId: stranded.callId });
    expect((await models.Call.findByPk(stranded.callId))!.status).toBe('queued');
    // A call already queued is left alone.
    expect(await queue.getJob(queued.recordingId)).toBeUndefined();
    await stop(s);
  });
});
