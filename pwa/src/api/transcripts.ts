import { EditTranscriptRequest, ValidateTranscriptRequest } from '@cwn/protocol';
import type { ApiClient } from './http';

/**
 * Writes carry the outbox entry's Idempotency-Key: the server replays its first answer to a retry
 * (kept 24 h) and answers 409 `idempotency_in_progress` while that first attempt still runs. The
 * outbox still recognises a change the server already applied from a plain 409 (see Outbox), for
 * servers before the header and entries older than the server's memory of their key.
 */
export const transcriptsApi = (api: ApiClient) => ({
  get: (id: string) => api.getTranscript({ params: { id } }),
  edit: (id: string, body: EditTranscriptRequest, idempotencyKey: string) =>
    api.editTranscript({
      params: { id },
      body: EditTranscriptRequest.parse(body),
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  validate: (id: string, body: ValidateTranscriptRequest, idempotencyKey: string) =>
    api.validateTranscript({
      params: { id },
      body: ValidateTranscriptRequest.parse(body),
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
});
export type TranscriptsApi = ReturnType<typeof transcriptsApi>;
