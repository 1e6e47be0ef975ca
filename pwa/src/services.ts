import type { IDBPDatabase } from 'idb';
import { authApi, type AuthApi } from './api/auth';
import { callsApi, type CallsApi } from './api/calls';
import { matchRoute } from '@cwn/protocol';
import { createHttpClient, type TokenSource } from './api/http';
import { ninjaOneApi, type NinjaOneApi } from './api/ninjaone';
import { pushApi, type PushApi } from './api/push';
import { transcriptsApi, type TranscriptsApi } from './api/transcripts';
import { openPwaDb, type PwaDb } from './offline/db';
import { Outbox } from './offline/outbox';
import { TranscriptCache } from './offline/transcript-cache';

/** What the stores talk to: the server's APIs and the device's storage. One instance per app. */
export interface Services {
  auth: AuthApi;
  calls: CallsApi;
  transcripts: TranscriptsApi;
  ninjaOne: NinjaOneApi;
  /** Web Push subscriptions ("transcript ready" notifications). */
  push: PushApi;
  db: IDBPDatabase<PwaDb>;
  outbox: Outbox;
  transcriptCache: TranscriptCache;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** Fetches with the bearer token (the audio, which <audio> cannot authenticate by itself). */
  authorizedFetch: (url: string) => Promise<Response>;
}

export interface ServiceOptions {
  baseUrl: () => string;
  tokens: TokenSource;
  storage: Services['storage'];
  dbName?: string;
  fetchImpl?: typeof fetch;
  transcriptCapacity?: number;
  onReachability?: (reachable: boolean) => void;
}

export async function createServices(options: ServiceOptions): Promise<Services> {
  const http = createHttpClient(
    options.baseUrl,
    options.tokens,
    options.fetchImpl,
    options.onReachability,
  );
  const db = await openPwaDb(options.dbName);
  const transcripts = transcriptsApi(http);
  const outbox = new Outbox(db, {
    send: (entry) =>
      entry.operation.kind === 'edit'
        ? transcripts.edit(
            entry.transcriptId,
            { version: entry.baseVersion, segments: entry.operation.segments },
            entry.idempotencyKey,
          )
        : transcripts.validate(
            entry.transcriptId,
            { version: entry.baseVersion, organizationId: entry.operation.organizationId },
            entry.idempotencyKey,
          ),
    current: (id) => transcripts.get(id),
  });
  return {
    auth: authApi(http),
    calls: callsApi(http),
    transcripts,
    ninjaOne: ninjaOneApi(http),
    push: pushApi(http),
    db,
    outbox,
    transcriptCache: new TranscriptCache(db, options.transcriptCapacity),
    storage: options.storage,
    authorizedFetch: async (url) => {
      const route = matchRoute('GET', new URL(url).pathname);
      if (!route) throw new Error(`${url} is no route of the API`);
      return (await http.request(route.name, { params: route.params } as never)).data as Response;
    },
  };
}

let current: Services | null = null;
export function provideServices(services: Services): void {
  current = services;
}
export function services(): Services {
  if (!current) throw new Error('services used before provideServices()');
  return current;
}
