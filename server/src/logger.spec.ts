import { UniqueConstraintError } from 'sequelize';
import { createLogger } from './logger';

describe('logger', () => {
  it('logs a database error without the row it was about', () => {
    const number = '+33 1 98 76 54 32';
    const parent = Object.assign(
      new Error('duplicate key value violates unique constraint "calls_agent_pbx"'),
      {
        code: '23505',
        detail: `Key (remote_number)=(${number}) already exists.`,
        sql: 'INSERT INTO "calls" ("remote_number") VALUES ($1)',
        parameters: [number],
      },
    );
    const err = new UniqueConstraintError({
      parent,
      fields: { remote_number: number },
      errors: [],
    });
    const lines: string[] = [];
    createLogger('info', { write: (s: string) => void lines.push(s) }).error({ err }, 'failed');
    const line = JSON.parse(lines[0]!);
    expect(line.err).toMatchObject({
      type: 'UniqueConstraintError',
      message: 'duplicate key value violates unique constraint "calls_agent_pbx"',
      parent: { code: '23505' },
    });
    expect(lines[0]).not.toContain('98 76');
  });
});
