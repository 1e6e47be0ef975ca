import { z } from 'zod';
import {
  CallTranscript,
  EditTranscriptRequest,
  Transcript,
  TranscriptEditList,
  ValidateTranscriptRequest,
} from '../transcripts';
import { Id } from '../common';
import { route } from './route';

const TAGS = ['transcripts'];

const IdParams = z.object({ id: Id });

const IDEMPOTENCY_KEY_PARAM = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Optional, 1-128 visible ASCII characters. The same user sending the same key with the same request within 24 h gets the first answer again (same status and body, header `Idempotent-Replayed: true`) and nothing is applied twice; the same key with another transcript, route or body → 422 `idempotency_key_reused`; while the first request is still running → 409 `idempotency_in_progress` (retry). A malformed key → 400.',
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' },
};

export const transcriptsRoutes = {
  getTranscript: route({
    method: 'get',
    path: '/api/transcripts/:id',
    summary: "One transcript (agents: their own calls' only; another agent's answers 404)",
    tags: TAGS,
    params: IdParams,
    response: Transcript,
  }),
  getCallTranscript: route({
    method: 'get',
    path: '/api/calls/:id/transcript',
    summary:
      "A call's processing status, failure reason and transcript once stored (agents: own calls, else 404)",
    tags: TAGS,
    params: IdParams,
    response: CallTranscript,
  }),
  listTranscriptEdits: route({
    method: 'get',
    path: '/api/transcripts/:id/edits',
    summary: 'Edit history, oldest first (agents: own calls, else 404)',
    tags: TAGS,
    params: IdParams,
    response: TranscriptEditList,
  }),
  editTranscript: route({
    method: 'patch',
    path: '/api/transcripts/:id',
    summary:
      'Replace the segments of a draft transcript; 409 with the current transcript when `version` is stale. Optional Idempotency-Key: a retry gets the first answer again.',
    tags: TAGS,
    params: IdParams,
    body: EditTranscriptRequest,
    response: Transcript,
    openapi: { parameters: [IDEMPOTENCY_KEY_PARAM] },
  }),
  validateTranscript: route({
    method: 'post',
    path: '/api/transcripts/:id/validate',
    summary:
      'Validate a transcript and queue its NinjaOne ticket (once); validating again changes nothing. Optional Idempotency-Key: a retry gets the first answer again.',
    tags: TAGS,
    params: IdParams,
    body: ValidateTranscriptRequest,
    response: Transcript,
    openapi: { parameters: [IDEMPOTENCY_KEY_PARAM] },
  }),
};
