import { EditTranscriptRequest, Transcript, ValidateTranscriptRequest } from '@cwn/protocol';
import type { HttpClient } from './http';

/**
 * Writes carry an Idempotency-Key for a server that honours it; the transcripts routes do not yet,
 * so the outbox also recognises a change the server already applied (see Outbox).
 */
export const transcriptsApi = (http: HttpClient) => ({
  get: (id: string) => http.json(Transcript, `/api/transcripts/${encodeURIComponent(id)}`),
  edit: (id: string, body: EditTranscriptRequest, idempotencyKey: string) =>
    http.json(Transcript, `/api/transcripts/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: EditTranscriptRequest.parse(body),
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  validate: (id: string, body: ValidateTranscriptRequest, idempotencyKey: string) =>
    http.json(Transcript, `/api/transcripts/${encodeURIComponent(id)}/validate`, {
      method: 'POST',
      body: ValidateTranscriptRequest.parse(body),
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
});
export type TranscriptsApi = ReturnType<typeof transcriptsApi>;
