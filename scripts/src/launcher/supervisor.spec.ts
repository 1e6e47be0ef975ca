/**
 * The `npm start` supervisor with real child processes (node -e scripts): a killed child is
 * restarted with backoff and the others keep running; one that keeps crashing makes it give up;
 * stop() ends every child, SIGKILL for one that ignores SIGTERM, and restarts nothing.
 */
import { PassThrough } from 'node:stream';
import { Supervisor, type ChildSpec } from './supervisor';

jest.setTimeout(30_000);

/** Prints "up <pid>", then stays alive until signalled. */
const longLived = (name: string, extra = ''): ChildSpec => ({
  name,
  cmd: process.execPath,
  args: ['-e', `${extra} console.log('up ' + process.pid); setInterval(() => {}, 1000);`],
});

function harness(over: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}) {
  const said: string[] = [];
  const out = new PassThrough();
  let output = '';
  out.setEncoding('utf8');
  out.on('data', (d: string) => (output += d));
  const gaveUp: string[] = [];
  const waiters: Array<() => void> = [];
  const changed = () => waiters.splice(0).forEach((w) => w());
  out.on('data', changed);
  const sup = new Supervisor({
    cwd: process.cwd(),
    initialBackoffMs: 100,
    maxBackoffMs: 400,
    maxCrashes: 4,
    windowMs: 60_000,
    killAfterMs: 1000,
    say: (m) => {
      said.push(m);
      changed();
    },
    onGiveUp: (name) => {
      gaveUp.push(name);
      changed();
    },
    stdout: out,
    stderr: out,
    ...over,
  });
  /** Resolves when the condition holds (checked on every message and output). */
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise<void>((r) => waiters.push(r));
  };
  return { sup, said, output: () => output, gaveUp, until };
}

const sups: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(sups.splice(0).map((s) => s.stop()));
});

describe('npm start supervisor', () => {
  it('restarts a child killed with SIGKILL, says so, and leaves the others running', async () => {
    const h = harness();
    sups.push(h.sup);
    const worker = h.sup.start(longLived('worker'));
    const server = h.sup.start(longLived('server'));
    await h.until(() => (h.output().match(/up \d+/g) ?? []).length === 2);
    const serverPid = server.process.pid;
    const firstPid = worker.process.pid!;
    expect(h.output()).toContain(`[worker]\x1b[0m up ${firstPid}`);

    worker.process.kill('SIGKILL');
    await h.until(() => worker.starts === 2 && h.output().includes(`up ${worker.process.pid}`));
    expect(worker.process.pid).not.toBe(firstPid);
    expect(h.said).toContainEqual(
      expect.stringMatching(/^worker exited \(SIGKILL\); restarting it in 100 ms/),
    );
    expect(h.said).toContain(`worker restarted (pid ${worker.process.pid})`);
    expect(server.process.pid).toBe(serverPid);
    expect(server.process.exitCode).toBeNull();
    expect(h.gaveUp).toEqual([]);
    expect(h.sup.stopped).toBe(false);
  });

  it('backs off and gives up on a child that keeps crashing', async () => {
    const h = harness();
    sups.push(h.sup);
    const other = h.sup.start(longLived('server'));
    h.sup.start({ name: 'broken', cmd: process.execPath, args: ['-e', 'process.exit(3)'] });
    await h.until(() => h.gaveUp.length > 0);
    expect(h.gaveUp).toEqual(['broken']);
    const delays = h.said
      .map((m) => /^broken exited \(code 3\); restarting it in (\d+) ms/.exec(m)?.[1])
      .filter(Boolean);
    expect(delays).toEqual(['100', '200', '400']); // doubled each time, capped at maxBackoffMs
    expect(h.said).toContainEqual(
      expect.stringMatching(/^broken exited \(code 3\) 4 times within 60 s/),
    );
    // giving up is the launcher's call to stop; the supervisor itself keeps the others running
    expect(other.process.exitCode).toBeNull();
  });

  it('treats a command that cannot start as a crash', async () => {
    const h = harness({ maxCrashes: 2 });
    sups.push(h.sup);
    h.sup.start({ name: 'missing', cmd: '/nonexistent/cwn-binary', args: [] });
    await h.until(() => h.gaveUp.length > 0);
    expect(h.said[0]).toMatch(
      /^missing exited \(spawn \/nonexistent\/cwn-binary ENOENT\); restarting/,
    );
  });

  it('stop() ends every child, kills one that ignores SIGTERM, and restarts none', async () => {
    const h = harness();
    const polite = h.sup.start(longLived('polite'));
    const stubborn = h.sup.start(longLived('stubborn', "process.on('SIGTERM', () => {});"));
    await h.until(() => (h.output().match(/up \d+/g) ?? []).length === 2);
    await h.sup.stop();
    expect(polite.process.signalCode).toBe('SIGTERM');
    expect(stubborn.process.signalCode).toBe('SIGKILL');
    expect(polite.starts).toBe(1);
    expect(stubborn.starts).toBe(1);
    expect(h.said.filter((m) => m.includes('restart'))).toEqual([]);
  });
});
