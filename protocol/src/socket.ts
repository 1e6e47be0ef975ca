import { z } from 'zod';
import { Id, Timestamp } from './common';
import { Call } from './calls';
import { Recording } from './recordings';
import { Segment, Transcript } from './transcripts';
import { TranscriptionProgress } from './jobs';
import { LiveChangedEvent, LiveSegmentsEvent } from './live';

/** Rooms a socket joins on connection; the server emits to rooms, never to socket ids. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  role: (role: string) => `role:${role}`,
} as const;

/** Who watches the floor: supervisors, admins and kiosk screens (read-only) get the same events. */
export const WALLBOARD_ROOMS = [rooms.role('supervisor'), rooms.role('admin'), rooms.role('kiosk')];

export const AgentPresenceState = z.enum(['offline', 'idle', 'ringing', 'on_call', 'on_hold']);
export type AgentPresenceState = z.infer<typeof AgentPresenceState>;

export const AgentPresence = z.object({
  agentId: Id,
  state: AgentPresenceState,
  callId: Id.nullable(),
  since: Timestamp,
});
export type AgentPresence = z.infer<typeof AgentPresence>;

export const TranscriptProgressEvent = z.object({
  callId: Id,
  recordingId: Id,
  percent: z.number().min(0).max(100),
  stage: TranscriptionProgress.shape.stage.optional(),
  segments: z.array(Segment).optional(),
});
export type TranscriptProgressEvent = z.infer<typeof TranscriptProgressEvent>;

/** Transcription gave up for good (no attempts left, or the worker's result was unusable). */
export const TranscriptFailedEvent = z.object({ callId: Id, recordingId: Id, reason: z.string() });
export type TranscriptFailedEvent = z.infer<typeof TranscriptFailedEvent>;

export const TranscriptReadyEvent = z.object({ callId: Id, transcript: Transcript });
export type TranscriptReadyEvent = z.infer<typeof TranscriptReadyEvent>;

export const TicketEvent = z.object({
  callId: Id,
  transcriptId: Id,
  ticketId: z.number().int().nullable(),
  message: z.string().optional(),
  /** The ticket in NinjaOne's web app (ticket.created). */
  ticketUrl: z.url().optional(),
});
export type TicketEvent = z.infer<typeof TicketEvent>;

/**
 * "The wallboard's figures changed, refetch the summary": all a kiosk screen needs, without the
 * calls' or transcripts' contents.
 */
export const DashboardChangedEvent = z.object({
  reason: z.enum(['calls', 'queue', 'transcripts', 'tickets']),
});
export type DashboardChangedEvent = z.infer<typeof DashboardChangedEvent>;

/** Every event the server sends, with its payload schema (validated in tests and by clients). */
export const serverEventSchemas = {
  'call.started': Call,
  'call.updated': Call,
  'call.ended': Call,
  'recording.uploaded': Recording,
  'transcript.progress': TranscriptProgressEvent,
  'transcript.live': LiveSegmentsEvent,
  'live.changed': LiveChangedEvent,
  'transcript.ready': TranscriptReadyEvent,
  'transcript.failed': TranscriptFailedEvent,
  'transcript.validated': TranscriptReadyEvent,
  'ticket.created': TicketEvent,
  'ticket.failed': TicketEvent,
  'agent.presence': AgentPresence,
  'dashboard.changed': DashboardChangedEvent,
} as const;
export type ServerEventName = keyof typeof serverEventSchemas;

export type ServerToClientEvents = {
  [K in ServerEventName]: (payload: z.infer<(typeof serverEventSchemas)[K]>) => void;
};

export const PresenceUpdate = z.object({ state: AgentPresenceState, callId: Id.nullable() });
export type PresenceUpdate = z.infer<typeof PresenceUpdate>;

/** Acknowledgement sent back for every client → server event. */
export const Ack = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type Ack = z.infer<typeof Ack>;

export const clientEventSchemas = {
  'agent.presence': PresenceUpdate,
} as const;
export type ClientEventName = keyof typeof clientEventSchemas;

export type ClientToServerEvents = {
  [K in ClientEventName]: (
    payload: z.infer<(typeof clientEventSchemas)[K]>,
    ack?: (ack: Ack) => void,
  ) => void;
};

/** Data the server keeps on each socket after the handshake. */
export interface SocketData {
  userId: string;
  role: string;
}
