import type { AuditLog } from '../audit/audit';
import type { IdempotencyStore } from '../http/idempotency';
import type { RouteTable } from '../http/routes';
import { requestMeta } from '../http/request-context';
import type { TranscriptsService } from './transcripts.service';

export function registerTranscriptRoutes(
  routes: RouteTable,
  transcripts: TranscriptsService,
  audit: AuditLog,
  idempotency: IdempotencyStore,
): void {
  routes.handle('getTranscript', ({ params, user }) => transcripts.get(params.id, user!));

  routes.handle('getCallTranscript', ({ params, user }) => transcripts.forCall(params.id, user!));

  routes.handle('listTranscriptEdits', async ({ params, user }) => ({
    items: await transcripts.edits(params.id, user!),
  }));

  routes.handle('editTranscript', ({ req, res, params, body, user }) =>
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

  routes.handle('validateTranscript', ({ req, res, params, body, user }) =>
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
