import { configOrExit } from './bootstrap';

describe('configOrExit', () => {
  it('stops the process with a message naming the bad variable', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => configOrExit({ REDIS_URL: 'redis://x', JWT_SECRET: 'y'.repeat(40) })).toThrow(
        'exit 1',
      );
      expect(error.mock.calls[0]?.[0]).toContain('DATABASE_URL is required');
    } finally {
      exit.mockRestore();
      error.mockRestore();
    }
  });
});
