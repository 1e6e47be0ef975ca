import type { Segment, Transcript } from '@cwn/protocol';

export type OutboxOperation =
  { kind: 'edit'; segments: Segment[] } | { kind: 'validate'; organizationId?: number | null };

export interface OutboxEntry {
  /** Queue order (IndexedDB auto-increment). */
  seq?: number;
  transcriptId: string;
  /** The transcript version the manager was looking at when making the change. */
  baseVersion: number;
  operation: OutboxOperation;
  /** Sent as Idempotency-Key: the same change retried is applied once by the server. */
  idempotencyKey: string;
  createdAt: number;
  state: 'pending' | 'conflict';
  /** The server's version when it refused the change (409). */
  conflict?: Transcript;
}
