import type { ServerOptions } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { ErrorBody } from '@cwn/protocol';
import { UPLOAD_CHUNK_CONTENT_TYPE, WAV_CONTENT_TYPES } from '@cwn/protocol';

/** How long a client may take to send a request (see `Config.httpTimeouts`). */
export interface HttpTimeouts {
  /** From the first byte of a request to the end of its headers. */
  headersMs: number;
  /** From the end of the headers to the end of the body, for every body but uploaded audio. */
  requestMs: number;
  /** Longest silence while a body is arriving, uploads included. */
  bodyIdleMs: number;
}

/**
 * Node's own timeouts: the headers deadline, checked often enough to matter. Node's whole-request
 * deadline stays off: it would cut a 4-hour recording's upload on any but a fast link; bodies are
 * bounded by `requestTimeouts` instead.
 */
export function httpServerOptions(t: HttpTimeouts): ServerOptions {
  return {
    headersTimeout: t.headersMs,
    requestTimeout: 0,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(t.headersMs / 4))),
  };
}

const STREAMED = [...WAV_CONTENT_TYPES, UPLOAD_CHUNK_CONTENT_TYPE];

/**
 * Answers 408 when nothing was sent yet, then closes the connection the client holds open. The
 * request itself is destroyed (not just its socket): whatever reads its body then sees it end.
 */
function cut(req: Request, res: Response, why: string): void {
  if (req.complete || req.destroyed) return;
  req.log?.warn({ timeout: why }, 'request body timed out');
  if (res.headersSent) {
    req.destroy();
    return;
  }
  const body: ErrorBody = {
    error: { code: 'request_timeout', message: `request timed out: ${why}` },
  };
  res.once('finish', () => req.destroy());
  res.status(408).setHeader('Connection', 'close');
  res.json(body);
}

/**
 * Bounds how long a request's body may take: `requestMs` in all (not for audio uploads, whose
 * length is bounded by the recording limit and the link's speed), and `bodyIdleMs` without a byte.
 * Nothing is cut once the body is in, however long the answer takes.
 */
export function requestTimeouts(t: HttpTimeouts): RequestHandler {
  return (req, res, next) => {
    // Node emits the socket's timeout on the request only while its body is incomplete.
    req.setTimeout(t.bodyIdleMs, () => cut(req, res, `no data for ${t.bodyIdleMs} ms`));
    // Later on the same socket the answer is being worked on or sent: not ours to cut.
    res.on('timeout', () => undefined);
    if (!req.is(STREAMED)) {
      const timer = setTimeout(
        () => cut(req, res, `body not complete within ${t.requestMs} ms`),
        t.requestMs,
      );
      res.once('close', () => clearTimeout(timer));
    }
    next();
  };
}
