import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  ByteCountHeader,
  Id,
  IdempotencyKey,
  UPLOAD_CHUNK_CONTENT_TYPE,
  UploadRecordingQuery,
  UploadRecordingResponse,
  UploadSession,
  WAV_CONTENT_TYPES,
} from '@cwn/protocol';
import { maxBytesFor } from '../audio/wav-validator';
import { HttpError } from '../http/errors';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { RecordingIngest } from './ingest.service';
import { ClientAbortedError, detachedBody } from './request-body';
import type { UploadSessions } from './upload-sessions.service';

const IdParams = z.object({ id: Id });

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

const RAW_WAV_BODY = {
  required: true,
  content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
};
const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: true,
  description: 'Same key from the same agent → the same recording (8-128 of [A-Za-z0-9._:-]).',
  schema: { type: 'string' },
};

export function registerUploadRoutes(
  routes: RouteTable,
  ingest: RecordingIngest,
  sessions: UploadSessions,
  maxRecordingSeconds: number,
): void {
  const maxBytes = maxBytesFor(maxRecordingSeconds * 1000);

  routes.add(
    {
      method: 'post',
      path: '/api/upload-recording',
      summary:
        'Upload a finished recording in one request: the raw WAV as the body (streamed, validated, encrypted), metadata in the query. 201 when stored, 200 with the earlier recording when the Idempotency-Key was already used; 400/413/415 say what is wrong with the file.',
      tags: ['recordings'],
      query: UploadRecordingQuery,
      response: UploadRecordingResponse,
      status: 201,
      rawBody: true,
      openapi: {
        parameters: [IDEMPOTENCY_HEADER],
        requestBody: RAW_WAV_BODY,
      },
    },
    async ({ req, res, query, user }) => {
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
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/uploads',
      summary:
        'Start a resumable upload: the same query as /api/upload-recording, headers Upload-Length and Idempotency-Key. 201 with the session (Location, Upload-Offset); the same key again returns it (200) with its current offset.',
      tags: ['recordings'],
      query: UploadRecordingQuery,
      response: UploadSession,
      status: 201,
      openapi: {
        parameters: [
          IDEMPOTENCY_HEADER,
          { name: 'Upload-Length', in: 'header', required: true, schema: { type: 'integer' } },
        ],
      },
    },
    async ({ req, res, query, user }) => {
      const idempotencyKey = header(req, 'Idempotency-Key', IdempotencyKey);
      const length = header(req, 'Upload-Length', ByteCountHeader);
      const { session, created } = await sessions.create(user!, query, idempotencyKey, length);
      res
        .status(created ? 201 : 200)
        .setHeader('Location', `/api/uploads/${session.id}`)
        .setHeader('Upload-Offset', String(session.offset))
        .setHeader('Cache-Control', 'no-store')
        .json(session);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/uploads/:id',
      summary:
        'Where a resumable upload stands (also as HEAD): Upload-Offset is the byte to send next.',
      tags: ['recordings'],
      params: IdParams,
      response: UploadSession,
    },
    async ({ res, params, user }) => {
      const session = await sessions.get(user!, params.id);
      res
        .setHeader('Upload-Offset', String(session.offset))
        .setHeader('Upload-Length', String(session.length))
        .setHeader('Cache-Control', 'no-store')
        .json(session);
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/uploads/:id',
      summary:
        "Append bytes at Upload-Offset (Content-Type: application/offset+octet-stream). A PATCH is kept whole or not at all; 204 with the new Upload-Offset, or, for the PATCH that completes the file, 201 with the stored recording (validation errors as for /api/upload-recording). 409 when Upload-Offset is not the server's (ask with HEAD).",
      tags: ['recordings'],
      params: IdParams,
      response: UploadRecordingResponse,
      status: 201,
      rawBody: true,
      openapi: {
        parameters: [
          { name: 'Upload-Offset', in: 'header', required: true, schema: { type: 'integer' } },
        ],
        requestBody: {
          required: true,
          content: {
            [UPLOAD_CHUNK_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } },
          },
        },
      },
    },
    async ({ req, res, params, user }) => {
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
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/uploads/:id',
      summary: 'Abandon a resumable upload (its staged bytes are deleted)',
      tags: ['recordings'],
      params: IdParams,
      status: 204,
    },
    async ({ params, user }) => {
      await sessions.cancel(user!, params.id);
    },
  );
}
