/** The command line of `npm run simulate-call`: usage errors exit 2 with a message, before any request. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const cli = join(__dirname, '../src/simulate-call/cli.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('simulate-call command line', () => {
  it('names a file it cannot read', () => {
    const r = run('--audio', '/nonexistent/call.wav', '--server', 'http://127.0.0.1:9');
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr: 'cannot read /nonexistent/call.wav: ENOENT',
    });
  });

  it('refuses an unknown option and a bad timeout with the usage', () => {
    const unknown = run('--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage: npm run simulate-call/);
    const timeout = run('--timeout', 'soon');
    expect(timeout.status).toBe(2);
    expect(timeout.stderr).toContain('--timeout must be a positive number of seconds');
  });

  it('takes --speed and --concurrent only with --live, and only positive', () => {
    const alone = run('--speed', '4');
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('--speed and --concurrent go with --live');
    const speed = run('--live', '--speed', '0');
    expect(speed.status).toBe(2);
    expect(speed.stderr).toContain('--speed must be a positive number');
    const n = run('--live', '--concurrent', '2.5');
    expect(n.status).toBe(2);
    expect(n.stderr).toContain('--concurrent must be a whole number from 1 to 200');
  });

  it('exits 1 with the reason when the server is not there', () => {
    const r = run('--audio', join(__dirname, '../package.json'), '--server', 'http://127.0.0.1:9');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simulate-call: cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  });
});
