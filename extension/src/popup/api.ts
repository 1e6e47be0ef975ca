/** The popup's calls to the server with the agent's access token; every answer checked with zod. */
import {
  ApiError as ClientApiError,
  ApiResponseError,
  LiveTranscript,
  TicketPreview,
  matchRoute,
} from '@cwn/protocol';
import type { z } from 'zod';
import { tokenClient, type ApiClient } from '../shared/api-client';

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

/** The typed client of @cwn/protocol for this session (`popupClient(s).getCall({ params })`). */
export function popupClient(session: ServerSession): ApiClient {
  return tokenClient(session.serverUrl, session.accessToken);
}

/** The popup's ApiError for a refusal of the typed client; other errors unchanged. */
export function popupError(err: unknown): unknown {
  if (!(err instanceof ClientApiError) || err instanceof ApiResponseError) return err;
  return new ApiError(
    err.status,
    err.code === 'unknown' ? `HTTP ${err.status}` : err.message,
    err.details,
  );
}

/** Calls the route of the table that serves `method path` (the path may carry a query). */
export async function api<T extends z.ZodType>(
  session: ServerSession,
  schema: T,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<z.infer<T>> {
  const url = new URL(path, 'http://api.invalid');
  const route = matchRoute(method, url.pathname);
  if (!route) throw new Error(`${method} ${url.pathname} is no route of the API`);
  try {
    let data: unknown = (
      await popupClient(session).request(route.name, {
        params: route.params,
        query: Object.fromEntries(url.searchParams),
        body,
      } as never)
    ).data;
    // A route that answers bytes may answer JSON too (a dry run): read that.
    if (data instanceof Response && /json/.test(data.headers.get('Content-Type') ?? '')) {
      data = await data.json();
    }
    return schema.parse(data);
  } catch (err) {
    throw popupError(err);
  }
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
