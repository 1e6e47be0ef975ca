/**
 * Sends a WAV to our server with the resumable protocol of @cwn/protocol (recordings.ts):
 * `POST /api/uploads?<call metadata>&sha256=…` opens a session (Idempotency-Key derived from the
 * call, so a retry never makes a duplicate), `PATCH` appends 1 MiB at a time at `Upload-Offset`,
 * `GET` tells where a cut-off upload stands; the PATCH that completes the file answers with the
 * stored recording, whose sha256 the queue compares before it deletes the local copy.
 */
import { UPLOAD_CHUNK_CONTENT_TYPE, UploadRecordingResponse, UploadSession } from '@cwn/protocol';
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

async function failure(res: Response): Promise<UploadError> {
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = `${message}: ${body.error.message}`;
  } catch {
    // keep the status line
  }
  return new UploadError(message, isRetryableStatus(res.status));
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
    const base = (await this.serverUrl()).replace(/\/+$/, '');
    const send = async (url: string, init: RequestInit): Promise<Response> => {
      try {
        return await fetch(url, {
          ...init,
          headers: { Authorization: `Bearer ${token}`, ...init.headers },
        });
      } catch (err) {
        throw new UploadError(`server unreachable: ${(err as Error).message}`, true);
      }
    };
    const receipt = (answer: unknown): UploadReceipt => {
      const parsed = UploadRecordingResponse.safeParse(answer);
      if (!parsed.success) throw new UploadError('the server answered an unexpected body', true);
      return {
        sha256: parsed.data.recording.sha256,
        recordingId: parsed.data.recording.id,
        callId: parsed.data.callId,
      };
    };

    // 1. Where the upload stands: a new session, or the one a cut-off attempt left.
    let sessionUrl = item.sessionUrl;
    let offset = 0;
    if (sessionUrl) {
      const res = await send(`${base}${sessionUrl}`, { method: 'GET' });
      if (res.status === 404 || res.status === 410) {
        await onProgress({ sessionUrl: null });
        throw new UploadError('the upload session expired; starting over', true);
      }
      if (!res.ok) throw await failure(res);
      offset = UploadSession.parse(await res.json()).offset;
    } else {
      const res = await send(`${base}/api/uploads?${uploadQuery(item).toString()}`, {
        method: 'POST',
        headers: {
          'Upload-Length': String(wav.byteLength),
          'Idempotency-Key': idempotencyKey(item),
        },
      });
      if (!res.ok) throw await failure(res);
      const session = UploadSession.parse(await res.json());
      if (session.recordingId) {
        // An earlier attempt completed (its answer was lost); the server checked the same sha256.
        return { sha256, recordingId: session.recordingId, callId: item.serverCallId ?? '' };
      }
      sessionUrl = `/api/uploads/${session.id}`;
      offset = session.offset;
      await onProgress({ sessionUrl });
    }

    // 2. The rest of the bytes, one PATCH at a time.
    for (;;) {
      const end = Math.min(wav.byteLength, offset + this.patchBytes);
      const res = await send(`${base}${sessionUrl}`, {
        method: 'PATCH',
        headers: { 'Content-Type': UPLOAD_CHUNK_CONTENT_TYPE, 'Upload-Offset': String(offset) },
        body: wav.slice(offset, end),
      });
      if (res.status === 200 || res.status === 201) return receipt(await res.json());
      if (res.status === 204) {
        offset = Number(res.headers.get('Upload-Offset') ?? end);
        continue;
      }
      if (res.status === 409)
        throw new UploadError('the server holds a different offset; asking again', true);
      if (res.status === 404 || res.status === 410) {
        await onProgress({ sessionUrl: null });
        throw new UploadError('the upload session expired; starting over', true);
      }
      throw await failure(res);
    }
  }
}
