import type { Request } from 'express';
import { z } from 'zod';
import {
  CloseLiveRecordingBody,
  ErrorBody,
  Id,
  LIVE_FRAME_BYTES,
  LIVE_MAX_APPEND_BYTES,
  LiveAppendOffset,
  LiveAppendResult,
  LiveRecording,
  LiveTranscript,
  OpenLiveRecordingBody,
  WindowAudioQuery,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import { HttpError } from '../http/errors';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { LiveService } from './live.service';

const IdParams = z.object({ id: Id });
export const LIVE_AUDIO_CONTENT_TYPE = 'application/octet-stream';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});

const WAV_RESPONSE = {
  responses: {
    200: {
      description: 'One channel of the window, mono 16 kHz s16 WAV',
      content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
    },
    416: { description: 'The window reaches past the audio held' },
  },
};

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
  routes.add(
    {
      method: 'post',
      path: '/api/calls/:id/live',
      summary:
        "Open the call's live recording (its agent only): 16 kHz s16le stereo, left the agent, right the caller. 201; a second open for the call: 409 live_recording_exists with its id and expected offset.",
      tags: ['live'],
      params: IdParams,
      body: OpenLiveRecordingBody,
      response: LiveRecording,
      status: 201,
    },
    async ({ params, body, user, res }) => {
      const opened = await live.open(user!, params.id, body);
      res.setHeader('Location', `/api/live-recordings/${opened.id}`);
      return opened;
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/api/live-recordings/:id/audio',
      summary: `Append PCM at Upload-Offset (application/octet-stream, whole 4-byte frames, at most ${LIVE_MAX_APPEND_BYTES} bytes). 200 once durable; the same bytes again: 200, duplicate, nothing changed; a gap or other bytes: 409 live_offset_mismatch with expectedOffset; closed: 409 live_recording_closed; Redis or the database away: 503 with Retry-After, nothing acknowledged.`,
      tags: ['live'],
      params: IdParams,
      response: LiveAppendResult,
      rawBody: true,
      openapi: {
        parameters: [
          { name: 'Upload-Offset', in: 'header', required: true, schema: { type: 'integer' } },
        ],
        requestBody: {
          required: true,
          content: { [LIVE_AUDIO_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } },
        },
      },
    },
    async ({ req, res, params, user }) => {
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
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/live-recordings/:id',
      summary:
        'Where a live recording stands: offset held (resume there after a cut), state, windows queued and done, cutOff.',
      tags: ['live'],
      params: IdParams,
      response: LiveRecording,
    },
    async ({ params, user, res }) => {
      const r = await live.get(user!, params.id);
      res.setHeader('Upload-Offset', String(r.offset));
      res.setHeader('Cache-Control', 'no-store');
      return r;
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/live-recordings/:id/close',
      summary:
        'Close the live recording at hang-up with the total bytes sent: 200 once the recording is stored (the transcript follows when the last windows are done); totalBytes other than what is held: 409 live_offset_mismatch with expectedOffset; repeated: the same answer.',
      tags: ['live'],
      params: IdParams,
      body: CloseLiveRecordingBody,
      response: LiveRecording,
    },
    async ({ params, body, user }) => {
      const row = await live.writable(user!, params.id);
      return live.close(row, body.totalBytes);
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/api/live-recordings/:id',
      summary:
        'Discard an open live recording ("don\'t record this call" mid-call), by its agent or an admin: 204 once its audio log, windows and segments are deleted and its waiting window jobs removed; it never becomes a recording and the call keeps its phone status. Another agent\'s: 403; closing or closed: 409 live_recording_closed (it is a recording: deleting the call is the privacy path); afterwards appends and close answer 410 live_recording_discarded. Audited.',
      tags: ['live'],
      params: IdParams,
      status: 204,
      openapi: {
        responses: {
          204: { description: 'Discarded: nothing of it is kept' },
          403: errorResponse("Another agent's live recording"),
          404: errorResponse('No such live recording'),
          409: errorResponse('live_recording_closed: closing or closed, it is a recording now'),
          410: errorResponse('live_recording_discarded: discarded already'),
          default: errorResponse('Error'),
        },
      },
    },
    async ({ req, params, user }) => {
      const { row, bytes, windows, jobsRemoved } = await live.discard(user!, params.id);
      await audit.write({
        action: 'live_recording.discard',
        actorId: user!.id,
        targetType: 'live_recording',
        targetId: row.id,
        details: { callId: row.callId, agentId: row.agentId, bytes, windows, jobsRemoved },
        ...requestMeta(req),
      });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/calls/:id/live-transcript',
      summary:
        "The call's live transcript so far: segments of the windows transcribed, both channels merged by time.",
      tags: ['live'],
      params: IdParams,
      response: LiveTranscript,
    },
    async ({ params, user, res }) => {
      res.setHeader('Cache-Control', 'no-store');
      return live.transcript(user!, params.id);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/internal/live-recordings/:id/window',
      summary:
        "A window's audio for a transcription worker: one channel's samples [start, end) as mono 16 kHz s16 WAV; 416 past what is held.",
      tags: ['internal'],
      params: IdParams,
      query: WindowAudioQuery,
      openapi: WAV_RESPONSE,
    },
    async ({ params, query, res }) => {
      const wav = await live.liveWindowAudio(params.id, query);
      res.status(200).type('audio/wav').setHeader('Cache-Control', 'no-store').end(wav);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/internal/recordings/:id/window',
      summary:
        "A window of an uploaded recording for a transcription worker: one channel's samples [start, end) as mono 16 kHz s16 WAV; 416 past the end.",
      tags: ['internal'],
      params: IdParams,
      query: WindowAudioQuery,
      openapi: WAV_RESPONSE,
    },
    async ({ params, query, res }) => {
      const wav = await live.recordingWindowAudio(params.id, query);
      res.status(200).type('audio/wav').setHeader('Cache-Control', 'no-store').end(wav);
    },
  );
}
