import { z } from 'zod';
import { Call } from './calls';
import { Recording } from './recordings';
import { Transcript } from './transcripts';

/** `GET /api/calls/:id`: the call with its recording and its transcript (null until there is one). */
export const CallDetail = z.object({
  call: Call,
  recording: Recording.nullable(),
  transcript: Transcript.nullable(),
});
export type CallDetail = z.infer<typeof CallDetail>;
