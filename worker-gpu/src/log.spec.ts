import { createLog } from './log';

describe('worker log', () => {
  it('writes pino JSON lines, errors at error level', () => {
    const lines: string[] = [];
    const log = createLog('info', { write: (s: string) => void lines.push(s) });
    log('job started', { jobId: 'r1', attempt: 1 });
    log('job failed', { jobId: 'r1', error: 'boom' });
    const [started, failed] = lines.map((l) => JSON.parse(l));
    expect(started).toMatchObject({
      level: 30,
      service: 'worker-gpu',
      msg: 'job started',
      jobId: 'r1',
    });
    expect(typeof started.time).toBe('string');
    expect(failed).toMatchObject({ level: 50, msg: 'job failed', error: 'boom' });
  });
});
