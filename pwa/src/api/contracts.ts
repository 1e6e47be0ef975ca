// TODO(pwa): these contracts are on the `ingest` and `transcripts` branches and not yet in main's
// protocol/. Once merged, delete this file and import CallList, ListCallsQuery, EditTranscriptRequest,
// ValidateTranscriptRequest and CallTranscript from '@cwn/protocol'.
import { Call, CallStatus, Id, Transcript, Segment } from '@cwn/protocol';
import { z } from 'zod';

export const ListCallsQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).optional(),
  agentId: Id.optional(),
  status: CallStatus.optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  number: z.string().trim().min(1).max(40).optional(),
});
export type ListCallsQuery = z.infer<typeof ListCallsQuery>;

export const CallList = z.object({ items: z.array(Call), nextCursor: z.string().nullable() });
export type CallList = z.infer<typeof CallList>;

export const EditTranscriptRequest = z.object({ version: z.number().int().positive(), segments: z.array(Segment) });
export type EditTranscriptRequest = z.infer<typeof EditTranscriptRequest>;

export const ValidateTranscriptRequest = z.object({
  version: z.number().int().positive().optional(),
  organizationId: z.number().int().positive().nullable().optional(),
});
export type ValidateTranscriptRequest = z.infer<typeof ValidateTranscriptRequest>;

export const CallTranscript = z.object({
  callId: Id,
  callStatus: CallStatus,
  failureReason: z.string().nullable(),
  transcript: Transcript.nullable(),
});
export type CallTranscript = z.infer<typeof CallTranscript>;
