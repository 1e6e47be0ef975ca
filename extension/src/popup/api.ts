/** The popup's calls to the server with the agent's access token; every answer checked with zod. */
import { ErrorBody, LiveTranscript, TicketPreview } from '@cwn/protocol';
import type { z } from 'zod';

export interface ServerSession {
  serverUrl: string;
  accessToken: string;
}

/** A refused request: the HTTP status, the server's message and its `details` (e.g. 409 `current`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }
}

export async function api<T extends z.ZodType>(
  session: ServerSession,
  schema: T,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<z.infer<T>> {
  const res = await fetch(`${session.serverUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${session.accessToken}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = ErrorBody.safeParse(json);
    throw new ApiError(
      res.status,
      error.success ? error.data.error.message : `HTTP ${res.status}`,
      error.success ? error.data.error.details : undefined,
    );
  }
  return schema.parse(json);
}

/**
 * `GET /api/calls/:id/live-transcript`: the segments transcribed so far while the call is streamed
 * live; null when the call has no live recording (yet, or it was recorded whole).
 */
export async function liveTranscript(
  session: ServerSession,
  callId: string,
): Promise<LiveTranscript | null> {
  try {
    return await api(session, LiveTranscript, 'GET', `/api/calls/${callId}/live-transcript`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/**
 * `GET /api/transcripts/:id/redaction-preview`: the NinjaOne ticket's subject and body as the
 * server will send them (redacted, the admins' subject template), for the agent about to validate.
 */
export function ticketPreview(
  session: ServerSession,
  transcriptId: string,
): Promise<TicketPreview> {
  return api(session, TicketPreview, 'GET', `/api/transcripts/${transcriptId}/redaction-preview`);
}
