import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '@cwn/protocol';
import type { Logger } from '../logger';
import { httpErrorOf } from './domain-errors';
import { HttpError } from './errors';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/unavailable';

function send(res: Parameters<RequestHandler>[1], status: number, body: ErrorBody): void {
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(status).json(body);
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(HttpError.notFound(`no route ${req.method} ${req.path}`));
};

/** Turns every error into the protocol's error body; unknown errors become a 500 without details. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = typeof req.id === 'string' ? req.id : undefined;
    if (res.headersSent) {
      logger.error({ err, requestId }, 'error after response started');
      res.destroy(err instanceof Error ? err : undefined);
      return;
    }
    const known = httpErrorOf(err);
    if (known) {
      if (known.retryAfterSeconds !== undefined)
        res.setHeader('Retry-After', String(known.retryAfterSeconds));
      send(res, known.status, {
        error: {
          code: known.code,
          message: known.message,
          ...(known.details !== undefined ? { details: known.details } : {}),
          ...(requestId ? { requestId } : {}),
        },
      });
      return;
    }
    // body-parser errors carry a `type` and a 4xx status.
    const bp = err as { type?: string; status?: number };
    if (bp.type === 'entity.parse.failed') {
      send(res, 400, { error: { code: 'bad_request', message: 'malformed JSON body', requestId } });
      return;
    }
    if (bp.type === 'entity.too.large') {
      send(res, 413, {
        error: { code: 'payload_too_large', message: 'request body too large', requestId },
      });
      return;
    }
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported') {
      send(res, 415, {
        error: { code: 'unsupported_media_type', message: 'unsupported body encoding', requestId },
      });
      return;
    }
    // The router could not percent-decode a path parameter (`/api/calls/%ZZ`); it marks that 400.
    if (err instanceof URIError && bp.status === 400) {
      send(res, 400, {
        error: {
          code: 'bad_request',
          message: 'malformed percent-encoding in the URL path',
          requestId,
        },
      });
      return;
    }
    if (isDatabaseUnavailable(err)) {
      logger.error({ err: (err as Error).message, requestId }, 'database unavailable');
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      send(res, 503, {
        error: {
          code: 'service_unavailable',
          message: 'the database is unreachable; try again in a moment',
          requestId,
        },
      });
      return;
    }
    logger.error({ err, requestId }, 'unhandled error');
    send(res, 500, {
      error: {
        code: 'internal',
        message: 'internal error; the request id identifies it in the logs',
        requestId,
      },
    });
  };
}
