import { z } from 'zod';
import { Id, Timestamp } from './common';

/** The only audio the server accepts: RIFF/WAVE, PCM s16le, 16 kHz, mono or stereo. */
export const REQUIRED_SAMPLE_RATE = 16000;

/** Stereo recordings carry the agent on the left channel and the caller on the right. */
export const Recording = z.object({
  id: Id,
  callId: Id,
  channels: z.union([z.literal(1), z.literal(2)]),
  sampleRate: z.literal(REQUIRED_SAMPLE_RATE),
  durationMs: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: Timestamp,
  purgedAt: Timestamp.nullable(),
});
export type Recording = z.infer<typeof Recording>;
