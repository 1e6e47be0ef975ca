/**
 * Tells the server about calls while they happen (`POST /api/calls` when one appears, `PATCH
 * /api/calls/:id` answered / held / resumed / ended), so the dashboard and the popup see them
 * live. Best effort: the upload carries the same metadata (same pbxCallId, so the same call) and
 * is what counts; a report that fails is logged and not retried.
 */
import { ApiError, type Call, type CallEvent, type CreateCallRequest } from '@cwn/protocol';
import { serverClient } from '../shared/api-client';
import type { TrackedCall } from './call-tracker';

const PHONE = /^[+\d][\d\s().-]*$/;

export interface CallsApi {
  create(body: CreateCallRequest): Promise<Call>;
  update(id: string, event: CallEvent, at: string): Promise<void>;
}

/** The id the server knows a call by: the 3CX call id, or one made from its first peer connection. */
export function pbxCallIdOf(call: TrackedCall): string {
  return call.pbxCallId ?? `webrtc-${call.pcIds[0] ?? call.key}`;
}

interface Reported {
  serverId: Promise<string | null>;
  chain: Promise<void>;
  answered: boolean;
  held: boolean;
  ended: boolean;
}

export class CallReporter {
  private readonly reported = new Map<string, Reported>();

  constructor(
    private readonly api: CallsApi,
    private readonly log: (message: string) => void = (m) => console.warn('[cwn]', m),
  ) {}

  /** Sends whatever changed since the last sync; call it with every call, ended ones included. */
  sync(calls: readonly TrackedCall[]): void {
    for (const call of calls) {
      if (call.doNotRecord && !this.reported.has(call.key)) continue;
      let r = this.reported.get(call.key);
      if (!r) {
        const number = call.remoteNumber?.trim();
        const body: CreateCallRequest = {
          direction: call.direction,
          pbxCallId: pbxCallIdOf(call),
          startedAt: new Date(call.startedAt).toISOString(),
          remoteNumber: number && number.length <= 40 && PHONE.test(number) ? number : null,
          remoteName: call.remoteName?.trim().slice(0, 200) || null,
        };
        const serverId = this.api.create(body).then(
          (created) => created.id,
          (err: unknown) => {
            this.log(`could not report call ${body.pbxCallId}: ${(err as Error).message}`);
            return null;
          },
        );
        r = {
          serverId,
          chain: serverId.then(() => undefined),
          answered: false,
          held: false,
          ended: false,
        };
        this.reported.set(call.key, r);
      }
      if (call.answeredAt !== null && !r.answered) {
        r.answered = true;
        this.send(r, 'answered', call.answeredAt);
      }
      const held = call.status === 'held';
      if (held !== r.held && call.status !== 'ended') {
        r.held = held;
        const hold = call.holds[call.holds.length - 1];
        this.send(r, held ? 'held' : 'resumed', (held ? hold?.from : hold?.to) ?? Date.now());
      }
      if (call.status === 'ended' && !r.ended) {
        r.ended = true;
        this.send(r, 'ended', call.endedAt ?? Date.now());
        // Nothing more will happen to it.
        void r.chain.then(() => this.reported.delete(call.key));
      }
    }
  }

  /** The server's id of a call reported by this worker (null: not reported, or not yet answered). */
  async serverIdOf(key: string): Promise<string | null> {
    return (await this.reported.get(key)?.serverId) ?? null;
  }

  private send(r: Reported, event: CallEvent, at: number): void {
    r.chain = r.chain.then(async () => {
      const id = await r.serverId;
      if (!id) return;
      try {
        await this.api.update(id, event, new Date(at).toISOString());
      } catch (err) {
        this.log(`could not report "${event}": ${(err as Error).message}`);
      }
    });
  }

  /** Resolves when every report sent so far has been answered (for tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.reported.values()].map((r) => r.chain));
  }
}

/** The HTTP side, with the extension's tokens. */
export function httpCallsApi(
  serverUrl: () => Promise<string>,
  accessToken: () => Promise<string>,
): CallsApi {
  const client = () => serverClient(serverUrl, { getAccessToken: accessToken });
  /** A refusal says which request and its status, as the log has always shown. */
  const named = (what: string) => (err: unknown) => {
    throw err instanceof ApiError ? new Error(`${what}: HTTP ${err.status}`) : err;
  };
  return {
    async create(body) {
      return (await client()).createCall({ body }).catch(named('POST /api/calls'));
    },
    async update(id, event, at) {
      await (
        await client()
      )
        .updateCall({ params: { id }, body: { event, at } })
        .catch(named(`PATCH /api/calls/${id}`));
    },
  };
}
