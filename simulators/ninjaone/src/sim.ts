/**
 * A faithful NinjaOne Public API v2 simulator (see the package README.md). `createNinjaOneSim()` gives an express app, a `listen()`
 * that starts a real HTTP server, and control methods for tests.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { apiRouter } from './api';
import { controlRouter } from './control';
import {
  bodyParsers,
  errorHandler,
  faults,
  journalBody,
  journalStart,
  notFound,
  requestId,
} from './http';
import { oauthRouter } from './oauth';
import {
  compileRoute as compile,
  normalisePath as normalise,
  SimState,
  type FaultSpec,
  type JournalEntry,
  type RateLimitConfig,
  type SimConfig,
} from './state';
import { logEntryOut, ticketOut } from './tickets';
import type { Scope, SeedInput, SimClientApp } from './types';

export * from './types';
export * from './fixtures';
export type {
  FaultSpec,
  JournalEntry,
  JournalPart,
  RateLimitConfig,
  SimConfig,
  ErrorReply,
} from './state';
export { DEFAULT_CONFIG, DEFAULT_RATE_LIMIT, SimState } from './state';

export interface NinjaOneSimOptions extends Partial<SimConfig> {
  /** Tenant data: 'demo' (default), 'empty', or a full fixture. */
  seed?: SeedInput;
  /** Extra or replacement client apps (matched by clientId), kept across resets. */
  clients?: SimClientApp[];
  /** Rate limiting; off unless given. */
  rateLimit?: Partial<RateLimitConfig>;
  /** Mount the /__sim control routes (default true). */
  controlRoutes?: boolean;
}

export interface RequestFilter {
  method?: string | undefined;
  /** Exact path (`/api` prefix ignored) or a route pattern with `:param` and `*` segments. */
  path?: string | undefined;
}

export interface MintTokenInput {
  clientId?: string;
  kind?: 'client_credentials' | 'user';
  scopes?: Scope[];
  technicianId?: number | null;
  /** Also issue a refresh token (user tokens only). */
  refresh?: boolean;
}

export interface NinjaOneSimControls {
  reset(seed?: SeedInput): void;
  config(): SimConfig;
  configure(patch: Partial<SimConfig>): SimConfig;
  rateLimit(): RateLimitConfig;
  setRateLimit(patch: Partial<RateLimitConfig>): RateLimitConfig;
  injectFault(spec: FaultSpec): number;
  faults(): Array<{ id: number; route: string; remaining: number; phase: string; spec: FaultSpec }>;
  clearFaults(): void;
  now(): number;
  advanceClock(seconds: number): number;
  revokeAllTokens(which?: 'all' | 'access' | 'refresh'): void;
  mintToken(input?: MintTokenInput): {
    access_token: string;
    refresh_token?: string;
    expires_in: number;
    scope: string;
  };
  requests(filter?: RequestFilter): JournalEntry[];
  clearRequests(): void;
  tickets(): Array<
    ReturnType<typeof ticketOut> & {
      logEntries: Array<ReturnType<typeof logEntryOut> & { files: unknown[] }>;
    }
  >;
  updateClient(clientId: string, patch: Partial<SimClientApp>): SimClientApp;
  summary(): Record<string, unknown>;
}

export interface RunningSim {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface NinjaOneSim extends NinjaOneSimControls {
  app: express.Express;
  state: SimState;
  listen(port?: number, host?: string): Promise<RunningSim>;
}

export function createNinjaOneSim(options: NinjaOneSimOptions = {}): NinjaOneSim {
  const { seed = 'demo', clients = [], rateLimit = {}, controlRoutes = true, ...config } = options;
  const state = new SimState(seed, config, rateLimit, clients);

  const controls: NinjaOneSimControls = {
    reset: (s) => state.load(s ?? seed),
    config: () => structuredClone(state.config),
    configure: (patch) => {
      Object.assign(state.config, patch);
      return structuredClone(state.config);
    },
    rateLimit: () => ({ ...state.rateLimit }),
    setRateLimit: (patch) => {
      Object.assign(state.rateLimit, patch);
      state.buckets.clear();
      return { ...state.rateLimit };
    },
    injectFault: (spec) => state.addFault(spec).id,
    faults: () =>
      state.faults.map((f) => ({
        id: f.id,
        route: f.route,
        remaining: f.remaining,
        phase: f.phase,
        spec: f.spec,
      })),
    clearFaults: () => {
      state.faults = [];
    },
    now: () => state.now(),
    advanceClock: (s) => state.advanceClock(s),
    revokeAllTokens: (which) => state.revokeAllTokens(which),
    mintToken: (input = {}) => {
      const clientId = input.clientId ?? state.data.clients[0]?.clientId;
      const app = clientId ? state.client(clientId) : undefined;
      if (!app) throw new Error(`unknown client ${String(clientId)}`);
      const kind = input.kind ?? 'user';
      const scopes =
        input.scopes ??
        (kind === 'user' ? app.scopes : app.scopes.filter((s) => s !== 'offline_access'));
      const tech =
        kind === 'user'
          ? input.technicianId !== undefined
            ? input.technicianId
            : (app.consentTechnicianId ?? state.data.technicians[0]?.id ?? null)
          : null;
      const at = state.issueAccessToken(app.clientId, kind, scopes, tech);
      const out: ReturnType<NinjaOneSimControls['mintToken']> = {
        access_token: at.token,
        expires_in: state.config.accessTokenTtlSeconds,
        scope: scopes.join(' '),
      };
      if (input.refresh && kind === 'user')
        out.refresh_token = state.issueRefreshToken(app.clientId, scopes, tech, state.now()).token;
      return out;
    },
    requests: (filter = {}) => {
      let matcher: ((p: string) => boolean) | null = null;
      if (filter.path) {
        const { pattern } = compile(filter.path);
        matcher = (p) => pattern.test(normalise(p));
      }
      const method = filter.method?.toUpperCase();
      return state.journal
        .filter((e) => (!method || e.method === method) && (!matcher || matcher(e.path)))
        .map((e) => structuredClone(e));
    },
    clearRequests: () => {
      state.journal = [];
    },
    tickets: () =>
      state.data.tickets.map((t) => ({
        ...ticketOut(t),
        logEntries: state.data.logEntries
          .filter((e) => e.ticketId === t.id)
          .map((e) => ({ ...logEntryOut(e), files: structuredClone(e._files) })),
      })),
    updateClient: (clientId, patch) => {
      const app = state.client(clientId);
      if (!app) throw new Error(`unknown client ${clientId}`);
      Object.assign(app, patch, { clientId });
      return structuredClone(app);
    },
    summary: () => ({
      now: state.now(),
      config: state.config,
      rateLimit: state.rateLimit,
      faults: state.faults.length,
      journal: state.journal.length,
      counts: {
        organizations: state.data.organizations.length,
        contacts: state.data.contacts.length,
        endUsers: state.data.endUsers.length,
        tickets: state.data.tickets.length,
        accessTokens: state.accessTokens.size,
        refreshTokens: state.refreshTokens.size,
      },
      clients: state.data.clients.map((c) => ({
        clientId: c.clientId,
        name: c.name,
        grantTypes: c.grantTypes,
        scopes: c.scopes,
        redirectUris: c.redirectUris,
      })),
    }),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestId);
  app.use(journalStart(state));
  app.use(...bodyParsers());
  app.use(journalBody);
  if (controlRoutes) app.use('/__sim', controlRouter(controls));
  app.use(faults(state));
  app.use(oauthRouter(state));
  app.use(['/v2', '/api/v2'], apiRouter(state));
  app.use((_req, res) => notFound(res, 'Not found'));
  app.use(errorHandler);

  const listen = (port = 0, host = '127.0.0.1'): Promise<RunningSim> =>
    new Promise((resolve, reject) => {
      const server = app.listen(port, host);
      server.once('error', reject);
      server.once('listening', () => {
        const addr = server.address() as AddressInfo;
        const h = host.includes(':') ? `[${host}]` : host;
        resolve({
          url: `http://${h}:${addr.port}`,
          port: addr.port,
          server,
          close: () =>
            new Promise<void>((res) => {
              server.close(() => res());
              server.closeAllConnections();
            }),
        });
      });
    });

  return { app, state, listen, ...controls };
}
