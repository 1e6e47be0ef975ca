import { z } from 'zod';
import { Id, Timestamp } from './common';

export const CallDirection = z.enum(['inbound', 'outbound']);
export type CallDirection = z.infer<typeof CallDirection>;

/**
 * One status per call, covering both the phone call and its processing afterwards:
 * ringing → connected ⇄ held → ended → uploaded → queued → transcribing → transcribed → validated
 * → ticketed; `missed` for calls never answered, `failed` when processing gave up.
 */
export const CallStatus = z.enum([
  'ringing',
  'connected',
  'held',
  'ended',
  'missed',
  'uploaded',
  'queued',
  'transcribing',
  'transcribed',
  'validated',
  'ticketed',
  'failed',
]);
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
});
export type Call = z.infer<typeof Call>;
