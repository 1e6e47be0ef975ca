import { redact, type TicketPreview } from '@cwn/protocol';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import type { NinjaOneSettingsService } from '../ninjaone/settings.service';
import { buildTicketContent } from './ticket-builder';
import type { TicketSource } from './ticket-source';
import { externalRefOf } from './ticket.service';

/**
 * What the ticket for a transcript will contain, redactions shown, for the person about to
 * validate it. Agents see only their own calls'.
 */
export async function previewTicket(
  deps: { source: TicketSource; settings: NinjaOneSettingsService; publicUrl: string },
  transcriptId: string,
  user: AuthUser,
): Promise<TicketPreview> {
  const material = await deps.source.load(transcriptId);
  if (!material) throw HttpError.notFound('transcript not found');
  if (user.role === 'agent' && material.call.agent.id !== user.id) {
    // Another agent's call is not revealed (404, as GET /api/calls/:id answers).
    throw HttpError.notFound('transcript not found');
  }
  const segments = material.segments.map((s) => ({
    speaker: s.speaker,
    startMs: s.startMs,
    text: s.text,
    redacted: redact(s.text),
  }));
  const { subjectTemplate } = await deps.settings.view();
  const content = buildTicketContent(material, {
    publicUrl: deps.publicUrl,
    subjectTemplate,
    externalRef: externalRefOf(transcriptId),
    callerLabel: null,
  });
  return {
    transcriptId,
    segments,
    redactions: content.redactions,
    ticket: { subject: content.subject, body: content.body },
  };
}
