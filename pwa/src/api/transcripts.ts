import { Transcript } from '@cwn/protocol';
import { EditTranscriptRequest, ValidateTranscriptRequest } from './contracts';
import type { HttpClient } from './http';

/** Writes carry an Idempotency-Key so that a retry after a lost answer is applied only once. */
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
