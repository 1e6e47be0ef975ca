/**
 * Sends a WAV to our server: `POST /api/upload-recording?<call metadata>&sha256=…` with the WAV as
 * the body and an Idempotency-Key derived from the call, so a retry after a lost answer returns
 * the recording stored the first time instead of a duplicate.
 */
import { z } from 'zod';
import type { UploadItem } from '../shared/db';
import { UploadError, type RecordingTransport, type UploadReceipt } from './upload-queue';

const PHONE = /^[+\d][\d\s().-]*$/;

const UploadAnswer = z.object({
  recording: z.object({ id: z.string(), sha256: z.string() }),
  callId: z.string(),
});

/** The query parameters that describe the call (UploadRecordingQuery in @cwn/protocol). */
export function uploadQuery(item: UploadItem): URLSearchParams {
  const { call } = item;
  const q = new URLSearchParams();
  q.set('direction', call.direction);
  q.set('pbxCallId', call.pbxCallId ?? `webrtc-${call.pcIds[0] ?? call.key}`);
  q.set('startedAt', new Date(call.startedAt).toISOString());
  if (call.endedAt !== null) q.set('endedAt', new Date(call.endedAt).toISOString());
  const number = call.remoteNumber?.trim();
  if (number && number.length <= 40 && PHONE.test(number)) q.set('remoteNumber', number);
  if (call.remoteName) q.set('remoteName', call.remoteName.slice(0, 200));
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

export class HttpRecordingTransport implements RecordingTransport {
  constructor(
    private readonly serverUrl: () => Promise<string>,
    private readonly accessToken: () => Promise<string>,
  ) {}

  async upload(item: UploadItem): Promise<UploadReceipt> {
    if (!item.wav || !item.sha256) throw new UploadError('nothing to upload: the WAV is missing', false);
    let token: string;
    try {
      token = await this.accessToken();
    } catch (err) {
      throw new UploadError((err as Error).message, true);
    }
    const base = (await this.serverUrl()).replace(/\/+$/, '');
    let res: Response;
    try {
      res = await fetch(`${base}/api/upload-recording?${uploadQuery(item).toString()}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'audio/wav',
          'Idempotency-Key': idempotencyKey(item),
        },
        body: item.wav,
      });
    } catch (err) {
      throw new UploadError(`server unreachable: ${(err as Error).message}`, true);
    }
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try {
        const body = (await res.json()) as { error?: { message?: string } };
        if (body.error?.message) message = `${message}: ${body.error.message}`;
      } catch {
        // keep the status line
      }
      throw new UploadError(message, isRetryableStatus(res.status));
    }
    const answer = UploadAnswer.safeParse(await res.json());
    if (!answer.success) throw new UploadError('the server answered an unexpected body', true);
    return { sha256: answer.data.recording.sha256, recordingId: answer.data.recording.id, callId: answer.data.callId };
  }
}
