/**
 * Sends a WAV to our server with the resumable protocol of @cwn/protocol (recordings.ts):
 * `POST /api/uploads?<call metadata>&sha256=…` opens a session (Idempotency-Key derived from the
 * call, so a retry never makes a duplicate), `PATCH` appends 1 MiB at a time at `Upload-Offset`,
 * `GET` tells where a cut-off upload stands; the PATCH that completes the file answers with the
 * stored recording, whose sha256 the queue compares before it deletes the local copy.
 */
import {
  ApiError,
  ApiResponseError,
  NetworkError,
  matchRoute,
  type UploadRecordingQuery,
  type UploadRecordingResponse,
} from '@cwn/protocol';
import type { z } from 'zod';
import { tokenClient } from '../shared/api-client';
import type { UploadItem } from '../shared/db';
import { pbxCallIdOf } from './call-reporter';
import { UploadError, type RecordingTransport, type UploadReceipt } from './upload-queue';

const PHONE = /^[+\d][\d\s().-]*$/;
export const PATCH_BYTES = 1024 * 1024;

/** The query parameters that describe the call (UploadRecordingQuery in @cwn/protocol). */
export function uploadQuery(item: UploadItem): URLSearchParams {
  const { call } = item;
  const q = new URLSearchParams();
  q.set('direction', call.direction);
  q.set('pbxCallId', pbxCallIdOf(call));
  q.set('startedAt', new Date(call.startedAt).toISOString());
  if (call.endedAt !== null) q.set('endedAt', new Date(call.endedAt).toISOString());
  const number = call.remoteNumber?.trim();
  if (number && number.length <= 40 && PHONE.test(number)) q.set('remoteNumber', number);
  const name = call.remoteName?.trim();
  if (name) q.set('remoteName', name.slice(0, 200));
  if (item.sha256) q.set('sha256', item.sha256);
  return q;
}

export function idempotencyKey(item: UploadItem): string {
  const safe = item.id.replace(/[^A-Za-z0-9._:-]/g, '_');
  return `ext:${safe}:${item.call.startedAt}`.slice(0, 128);
}

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429 || status === 401;
}

/** What a failed request means for the queue: retry later, or give up on this attempt. */
function failure(err: unknown): UploadError {
  if (err instanceof UploadError) return err;
  if (err instanceof ApiResponseError) {
    return new UploadError('the server answered an unexpected body', true);
  }
  if (err instanceof ApiError) {
    const message =
      err.code === 'unknown' ? `HTTP ${err.status}` : `HTTP ${err.status}: ${err.message}`;
    return new UploadError(message, isRetryableStatus(err.status));
  }
  if (err instanceof NetworkError) {
    const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
    return new UploadError(`server unreachable: ${cause}`, true);
  }
  return new UploadError((err as Error).message, true);
}

const statusOf = (err: unknown) => (err instanceof ApiError ? err.status : 0);

/** The upload session's id in the URL a cut-off attempt stored (`/api/uploads/<id>`). */
function sessionIdOf(sessionUrl: string): string | null {
  const route = matchRoute('GET', sessionUrl);
  return route?.name === 'getUpload' ? (route.params.id ?? null) : null;
}

export class HttpRecordingTransport implements RecordingTransport {
  constructor(
    private readonly serverUrl: () => Promise<string>,
    private readonly accessToken: () => Promise<string>,
    private readonly patchBytes = PATCH_BYTES,
  ) {}

  async upload(
    item: UploadItem,
    onProgress: (patch: Partial<UploadItem>) => Promise<void>,
  ): Promise<UploadReceipt> {
    const wav = item.wav;
    const sha256 = item.sha256;
    if (!wav || !sha256) throw new UploadError('nothing to upload: the WAV is missing', false);
    let token: string;
    try {
      token = await this.accessToken();
    } catch (err) {
      throw new UploadError((err as Error).message, true);
    }
    const api = tokenClient(await this.serverUrl(), token);
    const receipt = (answer: UploadRecordingResponse): UploadReceipt => ({
      sha256: answer.recording.sha256,
      recordingId: answer.recording.id,
      callId: answer.callId,
    });
    const expired = async (): Promise<never> => {
      await onProgress({ sessionUrl: null });
      throw new UploadError('the upload session expired; starting over', true);
    };

    // 1. Where the upload stands: a new session, or the one a cut-off attempt left.
    let sessionUrl = item.sessionUrl;
    let sessionId = sessionUrl ? sessionIdOf(sessionUrl) : null;
    let offset = 0;
    if (sessionUrl && !sessionId) await expired();
    if (sessionId) {
      try {
        offset = (await api.getUpload({ params: { id: sessionId } })).offset;
      } catch (err) {
        if (statusOf(err) === 404 || statusOf(err) === 410) return expired();
        throw failure(err);
      }
    } else {
      const query = Object.fromEntries(uploadQuery(item)) as z.input<typeof UploadRecordingQuery>;
      const session = await api
        .createUpload({
          query,
          headers: {
            'Upload-Length': String(wav.byteLength),
            'Idempotency-Key': idempotencyKey(item),
          },
        })
        .catch((err: unknown) => {
          throw failure(err);
        });
      if (session.recordingId) {
        // An earlier attempt completed (its answer was lost); the server checked the same sha256.
        return { sha256, recordingId: session.recordingId, callId: item.serverCallId ?? '' };
      }
      sessionId = session.id;
      sessionUrl = `/api/uploads/${session.id}`;
      offset = session.offset;
      await onProgress({ sessionUrl });
    }

    // 2. The rest of the bytes, one PATCH at a time.
    for (;;) {
      const end = Math.min(wav.byteLength, offset + this.patchBytes);
      let res;
      try {
        res = await api.request('appendUpload', {
          params: { id: sessionId },
          headers: { 'Upload-Offset': String(offset) },
          body: wav.slice(offset, end),
        });
      } catch (err) {
        if (statusOf(err) === 409)
          throw new UploadError('the server holds a different offset; asking again', true);
        if (statusOf(err) === 404 || statusOf(err) === 410) return expired();
        throw failure(err);
      }
      if (res.data) return receipt(res.data);
      offset = Number(res.headers.get('Upload-Offset') ?? end);
    }
  }
}
