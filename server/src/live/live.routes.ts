import type { Request } from 'express';
import {
  LIVE_AUDIO_CONTENT_TYPE,
  LIVE_FRAME_BYTES,
  LIVE_MAX_APPEND_BYTES,
  LiveAppendOffset,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { HttpError } from '../http/errors';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { LiveService } from './live.service';

/**
 * The body, whole (at most `max` bytes). A longer body is read to its end and dropped, so that the
 * client gets the 413 rather than a reset connection.
 */
async function readBody(req: Request, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n <= max) parts.push(chunk);
  }
  if (n > max) {
    throw HttpError.payloadTooLarge(`an append is ${max} bytes at most, this one was ${n}`);
  }
  return Buffer.concat(parts);
}

export function registerLiveRoutes(routes: RouteTable, live: LiveService, audit: AuditLog): void {
  routes.handle('openLiveRecording', async ({ params, body, user, res }) => {
    const opened = await live.open(user!, params.id, body);
    res.setHeader('Location', `/api/live-recordings/${opened.id}`);
    return opened;
  });

  routes.handle('appendLiveAudio', async ({ req, res, params, user }) => {
    const row = await live.writable(user!, params.id);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== LIVE_AUDIO_CONTENT_TYPE) {
      throw HttpError.unsupportedMediaType(
        `Content-Type ${type ? `"${type}"` : 'missing'}: expected ${LIVE_AUDIO_CONTENT_TYPE} (16 kHz s16le stereo PCM)`,
      );
    }
    const raw = req.headers['upload-offset'];
    if (raw === undefined) throw HttpError.badRequest('the Upload-Offset header is required');
    const parsed = LiveAppendOffset.safeParse(Array.isArray(raw) ? raw[0] : raw);
    if (!parsed.success) {
      throw HttpError.badRequest(
        `Upload-Offset header: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > LIVE_MAX_APPEND_BYTES) {
      res.setHeader('Connection', 'close');
      throw HttpError.payloadTooLarge(
        `Content-Length ${declared} is over the ${LIVE_MAX_APPEND_BYTES}-byte limit of one append`,
      );
    }
    const data = await readBody(req, LIVE_MAX_APPEND_BYTES);
    if (data.length === 0) throw HttpError.badRequest('the append is empty');
    if (data.length % LIVE_FRAME_BYTES !== 0) {
      throw HttpError.badRequest(
        `an append holds whole stereo frames of ${LIVE_FRAME_BYTES} bytes; ${data.length} is not a multiple`,
      );
    }
    const result = await live.append(row, parsed.data, data);
    res.setHeader('Upload-Offset', String(result.offset));
    res.setHeader('Cache-Control', 'no-store');
    return result;
  });

  routes.handle('getLiveRecording', async ({ params, user, res }) => {
    const r = await live.get(user!, params.id);
    res.setHeader('Upload-Offset', String(r.offset));
    res.setHeader('Cache-Control', 'no-store');
    return r;
  });

  routes.handle('closeLiveRecording', async ({ params, body, user }) => {
    const row = await live.writable(user!, params.id);
    return live.close(row, body.totalBytes);
  });

  routes.handle('discardLiveRecording', async ({ req, params, user }) => {
    const { row, bytes, windows, jobsRemoved } = await live.discard(user!, params.id);
    await audit.write({
      action: 'live_recording.discard',
      actorId: user!.id,
      targetType: 'live_recording',
      targetId: row.id,
      details: { callId: row.callId, agentId: row.agentId, bytes, windows, jobsRemoved },
      ...requestMeta(req),
    });
  });

  routes.handle('getLiveTranscript', async ({ params, user, res }) => {
    res.setHeader('Cache-Control', 'no-store');
    return live.transcript(user!, params.id);
  });

  routes.handle('getLiveWindowAudio', async ({ params, query, res }) => {
    const wav = await live.liveWindowAudio(params.id, query);
    res.status(200).type('audio/wav').setHeader('Cache-Control', 'no-store').end(wav);
  });

  routes.handle('getRecordingWindowAudio', async ({ params, query, res }) => {
    const wav = await live.recordingWindowAudio(params.id, query);
    res.status(200).type('audio/wav').setHeader('Cache-Control', 'no-store').end(wav);
  });
}
