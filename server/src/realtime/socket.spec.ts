import { Redis } from 'ioredis';
import { guardPublish } from './socket';

describe('guardPublish', () => {
  it('turns a publish that fails (closed connection) into a logged warning, not a rejection', async () => {
    // never connected, no offline queue: every command is refused at once
    const pub = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
    pub.on('error', () => undefined);
    try {
      await expect(pub.publish('c', 'm')).rejects.toThrow();
      const warnings: unknown[] = [];
      guardPublish(pub, { warn: (...args: unknown[]) => void warnings.push(args) } as never);
      await expect(pub.publish('c', 'm')).resolves.toBe(0);
      expect(warnings).toHaveLength(1);
    } finally {
      pub.disconnect();
    }
  });
});
