import { z } from 'zod';
import { Id, Timestamp } from './common';

export const CallDirection = z.enum(['inbound', 'outbound']);
export type CallDirection = z.infer<typeof CallDirection>;

/**
 * One status per call, covering both the phone call and its processing afterwards:
 * ringing → connected ⇄ held → ended → uploaded → queued → transcribing → transcribed → validated
 * → ticketed; `missed` for calls never answered, `failed` when processing gave up.
 */
/** The phone call itself, as the extension reports it. */
export const CALL_PHONE_STATUSES = ['ringing', 'connected', 'held', 'ended', 'missed'] as const;
/** After the phone call: upload, transcription, validation, ticket (an `ended` event only records its time). */
export const CALL_PROCESSING_STATUSES = [
  'uploaded',
  'queued',
  'transcribing',
  'transcribed',
  'validated',
  'ticketed',
  'failed',
] as const;
export const CallStatus = z.enum([...CALL_PHONE_STATUSES, ...CALL_PROCESSING_STATUSES]);
export type CallStatus = z.infer<typeof CallStatus>;

/** Phone numbers as the PBX shows them: digits, spaces and + ( ) - . allowed. */
export const PhoneNumber = z
  .string()
  .trim()
  .max(40)
  .regex(/^[+\d][\d\s().-]*$/, 'not a phone number');

export const Call = z.object({
  id: Id,
  agentId: Id,
  direction: CallDirection,
  remoteNumber: z.string().nullable(),
  remoteName: z.string().nullable(),
  pbxCallId: z.string().nullable(),
  startedAt: Timestamp,
  answeredAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  status: CallStatus,
  /** Why processing gave up (status `failed`); null otherwise. Always sent by the server. */
  failureReason: z.string().nullable().optional(),
});
export type Call = z.infer<typeof Call>;

/** `POST /api/calls`: the agent's extension reports a call it sees in the 3CX web client. */
export const CreateCallRequest = z.object({
  direction: CallDirection,
  remoteNumber: PhoneNumber.nullable().optional(),
  remoteName: z.string().trim().max(200).nullable().optional(),
  /** The 3CX call id: the same (agent, pbxCallId) always returns the same call. */
  pbxCallId: z.string().trim().min(1).max(128),
  startedAt: Timestamp,
});
export type CreateCallRequest = z.infer<typeof CreateCallRequest>;

/** What happened to the call; each event moves the status (answered → connected, held ⇄ resumed, ended). */
export const CallEvent = z.enum(['answered', 'held', 'resumed', 'ended']);
export type CallEvent = z.infer<typeof CallEvent>;

/** `PATCH /api/calls/:id`. `at` defaults to the server's clock. */
export const UpdateCallRequest = z.object({
  event: CallEvent,
  at: Timestamp.optional(),
  remoteName: z.string().trim().max(200).nullable().optional(),
});
export type UpdateCallRequest = z.infer<typeof UpdateCallRequest>;

/** `GET /api/calls`: filters, newest first (startedAt, then id), cursor paging. */
export const ListCallsQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  agentId: Id.optional(),
  status: CallStatus.optional(),
  /** Calls started at or after this instant. */
  from: Timestamp.optional(),
  /** Calls started before this instant. */
  to: Timestamp.optional(),
  /** Part of the remote number (digits compared, punctuation ignored). */
  number: z.string().trim().min(1).max(40).optional(),
  /**
   * Free text: matches the remote name, the remote number (digits compared, a leading national 0
   * also matches the default country's international form, +33 unless configured) or the
   * words of the transcript (case-insensitive, every word).
   */
  q: z.string().trim().min(1).max(200).optional(),
  /** `true`: the answer also carries `total`, the number of calls matching the filters (all pages). */
  count: z.enum(['true', 'false']).optional(),
});
export type ListCallsQuery = z.infer<typeof ListCallsQuery>;

export const CallList = z.object({
  items: z.array(Call),
  nextCursor: z.string().nullable(),
  /** Only when asked (`count=true`): how many calls match the filters, every page together. */
  total: z.number().int().nonnegative().optional(),
});
export type CallList = z.infer<typeof CallList>;
