import { CallTransitionError } from '../src/calls/lifecycle/transitions';
import { NinjaOneError, notConfigured } from '../src/ninjaone/errors';
import { httpErrorOf } from '../src/http/domain-errors';
import { HttpError } from '../src/http/errors';
import { IdempotencyError } from '../src/http/idempotency-errors';

const answer = (err: unknown) => {
  const http = httpErrorOf(err);
  return http && [http.status, http.code, http.retryAfterSeconds];
};

describe('httpErrorOf: features’ errors as HTTP answers, in one place', () => {
  it('keeps an HttpError and leaves unknown errors to the 500', () => {
    const err = HttpError.notFound('gone');
    expect(httpErrorOf(err)).toBe(err);
    expect(httpErrorOf(new Error('boom'))).toBeNull();
    expect(httpErrorOf('not an error')).toBeNull();
  });

  it('answers a refused call move with 409', () => {
    expect(answer(new CallTransitionError('ticketed', 'uploaded'))).toEqual([
      409,
      'conflict',
      undefined,
    ]);
  });

  it('answers NinjaOne settings not ready with 409, NinjaOne trouble with 503 or 502', () => {
    expect(answer(notConfigured('no client id'))).toEqual([409, 'conflict', undefined]);
    for (const code of ['not_connected', 'wrong_mode'])
      expect(answer(new NinjaOneError('x', { kind: 'permanent', code }))).toEqual([
        409,
        'conflict',
        undefined,
      ]);
    expect(answer(new NinjaOneError('down', { kind: 'retryable', status: 503 }))).toEqual([
      503,
      'service_unavailable',
      undefined,
    ]);
    expect(answer(new NinjaOneError('refused', { kind: 'permanent', status: 400 }))).toEqual([
      502,
      'service_unavailable',
      undefined,
    ]);
  });

  it('answers the idempotency store’s refusals (Retry-After on a request still running)', () => {
    expect(answer(new IdempotencyError('invalid_key', 'x'))).toEqual([
      400,
      'bad_request',
      undefined,
    ]);
    expect(answer(new IdempotencyError('in_progress', 'x'))).toEqual([
      409,
      'idempotency_in_progress',
      1,
    ]);
    expect(answer(new IdempotencyError('key_reused', 'x'))).toEqual([
      422,
      'idempotency_key_reused',
      undefined,
    ]);
    expect(answer(new IdempotencyError('store_unavailable', 'x'))).toEqual([
      503,
      'service_unavailable',
      undefined,
    ]);
  });

  it('keeps the message, which is shown to the user', () => {
    expect(httpErrorOf(notConfigured('no client id'))?.message).toMatch(/no client id/);
  });
});
