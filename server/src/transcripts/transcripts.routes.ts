import { z } from 'zod';
import {
  CallTranscript,
  EditTranscriptRequest,
  Id,
  Transcript,
  TranscriptEditList,
  ValidateTranscriptRequest,
} from '@cwn/protocol';
import type { AuditLog } from '../audit/audit';
import type { IdempotencyStore } from '../http/idempotency';
import type { RouteTable } from '../http/routes';
import { requestMeta } from '../http/request-context';
import type { TranscriptsService } from './transcripts.service';

const IdParams = z.object({ id: Id });
const TAGS = ['transcripts'];

/** The optional header of the two writes (the PWA's offline outbox sends each change's own key). */
const IDEMPOTENCY_KEY_PARAM = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Optional, 1-128 visible ASCII characters. The same user sending the same key with the same request within 24 h gets the first answer again (same status and body, header `Idempotent-Replayed: true`) and nothing is applied twice; the same key with another transcript, route or body → 422 `idempotency_key_reused`; while the first request is still running → 409 `idempotency_in_progress` (retry). A malformed key → 400.',
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' },
};

export function registerTranscriptRoutes(
  routes: RouteTable,
  transcripts: TranscriptsService,
  audit: AuditLog,
  idempotency: IdempotencyStore,
): void {
  routes.add(
    {
      method: 'get',
      path: '/api/transcripts/:id',
      summary: "One transcript (agents: their own calls' only; another agent's answers 404)",
      tags: TAGS,
      params: IdParams,
      response: Transcript,
    },
    ({ params, user }) => transcripts.get(params.id, user!),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/calls/:id/transcript',
      summary:
        "A call's processing status, failure reason and transcript once stored (agents: own calls, else 404)",
      tags: TAGS,
      params: IdParams,
      response: CallTranscript,
    },
    ({ params, user }) => transcripts.forCall(params.id, user!),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/transcripts/:id/edits',
      summary: 'Edit history, oldest first (agents: own calls, else 404)',
      tags: TAGS,
      params: IdParams,
      response: TranscriptEditList,
    },
    async ({ params, user }) => ({ items: await transcripts.edits(params.id, user!) }),
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/transcripts/:id',
      summary:
        'Replace the segments of a draft transcript; 409 with the current transcript when `version` is stale. Optional Idempotency-Key: a retry gets the first answer again.',
      tags: TAGS,
      params: IdParams,
      body: EditTranscriptRequest,
      response: Transcript,
      openapi: { parameters: [IDEMPOTENCY_KEY_PARAM] },
    },
    ({ req, res, params, body, user }) =>
      idempotency.run(
        { req, res, user: user!, request: ['PATCH /api/transcripts/:id', params.id, body] },
        async () => {
          const updated = await transcripts.edit(params.id, body, user!);
          await audit.write({
            action: 'transcript.edit',
            actorId: user!.id,
            targetType: 'transcript',
            targetId: params.id,
            details: { version: updated.version, segments: updated.segments.length },
            ...requestMeta(req),
          });
          return updated;
        },
      ),
  );

  routes.add(
    {
      method: 'post',
      path: '/api/transcripts/:id/validate',
      summary:
        'Validate a transcript and queue its NinjaOne ticket (once); validating again changes nothing. Optional Idempotency-Key: a retry gets the first answer again.',
      tags: TAGS,
      params: IdParams,
      body: ValidateTranscriptRequest,
      response: Transcript,
      openapi: { parameters: [IDEMPOTENCY_KEY_PARAM] },
    },
    ({ req, res, params, body, user }) =>
      idempotency.run(
        { req, res, user: user!, request: ['POST /api/transcripts/:id/validate', params.id, body] },
        async () => {
          const { transcript, changed } = await transcripts.validate(params.id, body, user!);
          await audit.write({
            action: 'transcript.validate',
            actorId: user!.id,
            targetType: 'transcript',
            targetId: params.id,
            details: {
              version: transcript.version,
              alreadyValidated: !changed,
              organizationId: body.organizationId ?? null,
            },
            ...requestMeta(req),
          });
          return transcript;
        },
      ),
  );
}
