import { PassThrough, type Readable } from 'node:stream';
import type { Request } from 'express';

/** The client went away before sending the whole body. */
export class ClientAbortedError extends Error {
  readonly code = 'ERR_CLIENT_ABORTED';
  constructor() {
    super('the client closed the connection before the body was complete');
    this.name = 'ClientAbortedError';
  }
}

/**
 * The request body as a stream that a failing pipeline may destroy without destroying the
 * request: when the consumer gives up (bad WAV, sha256 mismatch) the rest of the body is drained,
 * so the client still receives the 4xx instead of a reset connection. A client that aborts errors
 * the stream with `ClientAbortedError`, so nothing waits forever for an end that never comes.
 */
export function detachedBody(req: Request): Readable {
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  // A client that aborts before the consumer attached its listeners must not crash the process
  // (an 'error' with no listener throws); consumers still get the error through their own.
  body.on('error', () => undefined);
  req.pipe(body);
  const onClose = () => {
    if (!req.complete) body.destroy(new ClientAbortedError());
  };
  req.once('close', onClose);
  body.once('close', () => {
    req.unpipe(body);
    req.off('close', onClose);
    if (!req.readableEnded) req.resume();
  });
  return body;
}
