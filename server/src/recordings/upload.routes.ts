import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  ByteCountHeader,
  IdempotencyKey,
  UPLOAD_CHUNK_CONTENT_TYPE,
  WAV_CONTENT_TYPES,
} from '@cwn/protocol';
import { maxBytesFor } from '../audio/wav-validator';
import { HttpError } from '../http/errors';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { RecordingIngest } from './ingest.service';
import { ClientAbortedError, detachedBody } from './request-body';
import type { UploadSessions } from './upload-sessions.service';

function header<T>(req: Request, name: string, schema: z.ZodType<T>): T {
  const raw = req.headers[name.toLowerCase()];
  if (raw === undefined) throw HttpError.badRequest(`the ${name} header is required`);
  const r = schema.safeParse(Array.isArray(raw) ? raw[0] : raw);
  if (!r.success)
    throw HttpError.badRequest(`${name} header: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

function requireContentType(req: Request, accepted: readonly string[]): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!accepted.includes(type)) {
    throw HttpError.unsupportedMediaType(
      `Content-Type ${type ? `"${type}"` : 'missing'}: expected ${accepted.join(' or ')}`,
    );
  }
}

/** A client that hung up mid-body is nobody to answer (and not a server error): close quietly. */
async function quietAbort<T>(res: Response, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ClientAbortedError)) throw err;
    res.destroy();
    return undefined;
  }
}

export function registerUploadRoutes(
  routes: RouteTable,
  ingest: RecordingIngest,
  sessions: UploadSessions,
  maxRecordingSeconds: number,
): void {
  const maxBytes = maxBytesFor(maxRecordingSeconds * 1000);

  routes.handle('uploadRecording', async ({ req, res, query, user }) => {
    requireContentType(req, WAV_CONTENT_TYPES);
    const idempotencyKey = header(req, 'Idempotency-Key', IdempotencyKey);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      res.setHeader('Connection', 'close');
      throw HttpError.payloadTooLarge(
        `Content-Length ${declared} is larger than the ${maxBytes}-byte limit (${maxRecordingSeconds} s of stereo audio)`,
      );
    }
    const ctx = { user: user!, meta: query, idempotencyKey, ...requestMeta(req) };
    const replayed = await ingest.replay(ctx);
    if (replayed) {
      res.status(200).json(replayed);
      return;
    }
    const result = await quietAbort(res, () => ingest.ingest(detachedBody(req), ctx));
    if (result) res.status(result.created ? 201 : 200).json(result);
  });

  routes.handle('createUpload', async ({ req, res, query, user }) => {
    const idempotencyKey = header(req, 'Idempotency-Key', IdempotencyKey);
    const length = header(req, 'Upload-Length', ByteCountHeader);
    const { session, created } = await sessions.create(user!, query, idempotencyKey, length);
    res
      .status(created ? 201 : 200)
      .setHeader('Location', `/api/uploads/${session.id}`)
      .setHeader('Upload-Offset', String(session.offset))
      .setHeader('Cache-Control', 'no-store')
      .json(session);
  });

  routes.handle('getUpload', async ({ res, params, user }) => {
    const session = await sessions.get(user!, params.id);
    res
      .setHeader('Upload-Offset', String(session.offset))
      .setHeader('Upload-Length', String(session.length))
      .setHeader('Cache-Control', 'no-store')
      .json(session);
  });

  routes.handle('appendUpload', async ({ req, res, params, user }) => {
    requireContentType(req, [UPLOAD_CHUNK_CONTENT_TYPE]);
    const offset = header(req, 'Upload-Offset', ByteCountHeader);
    const outcome = await quietAbort(res, () =>
      sessions.patch(user!, params.id, offset, detachedBody(req), requestMeta(req)),
    );
    if (!outcome) return;
    if (outcome.kind === 'partial') {
      res.status(204).setHeader('Upload-Offset', String(outcome.session.offset)).end();
      return;
    }
    res
      .status(outcome.result.created ? 201 : 200)
      .setHeader('Upload-Offset', String(outcome.result.recording.sizeBytes))
      .json(outcome.result);
  });

  routes.handle('cancelUpload', async ({ params, user }) => {
    await sessions.cancel(user!, params.id);
  });
}
