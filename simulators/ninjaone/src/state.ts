/**
 * Mutable simulator state: the tenant data, tokens, clock, request journal, scripted faults and
 * rate-limit buckets, plus the behaviour switches (`SimConfig`) for the facts that are unverified.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { loadFixture } from './fixtures';
import type { Scope, SeedInput, SimClientApp, SimFixture } from './types';

export interface ErrorReply {
  status: number;
  body: unknown;
}

/** Behaviour switches. Every one is a guess about a NinjaOne behaviour its documentation leaves open, or a test toggle. */
export interface SimConfig {
  /** `expires_in` of access tokens, seconds. */
  accessTokenTtlSeconds: number;
  /** Authorization-code lifetime, seconds. */
  authCodeTtlSeconds: number;
  /** rotate: every refresh returns a new refresh token and kills the old one; same: returns the same one; omit: returns none, the old one stays valid. */
  refreshTokenRotation: 'rotate' | 'same' | 'omit';
  /** Refresh tokens die this long after the user's consent (the re-consent path). */
  refreshTokenMaxAgeSeconds: number;
  /** Reply to a wrong client_secret. */
  badClientSecret: ErrorReply;
  /** Accept `Authorization: Basic` client authentication at the token endpoint (nobody is known to use it). */
  acceptBasicClientAuth: boolean;
  /** Authorize page behaviour: approve at once, or redirect back with error=access_denied. */
  authorizeDecision: 'approve' | 'deny';
  /** Client-credentials tokens get 403 user_context_required on ticket create/update/comment. */
  clientCredentialsCannotWrite: boolean;
  /** Status for a write without the `management` scope (403, 401 was seen live). */
  insufficientScopeStatus: number;
  /** Reply to a PUT with a stale `version`. */
  versionConflict: ErrorReply;
  /** Status for a non-multipart comment (415, or 400). */
  commentNonMultipartStatus: number;
  /** Comment success: empty 200 (with a JSON content type), 204, or 200 with the new log entry. */
  commentResponse: 'empty-200' | '204' | 'entry-200';
  /** `status` may also be given as a status name ("NEW", "Open"). */
  statusAcceptsNames: boolean;
  /** Ticket create requires `requesterUid` (some clients believe it does). */
  requireRequesterUidOnCreate: boolean;
  /** Unknown body keys on ticket create/update are rejected instead of ignored. */
  rejectUnknownTicketFields: boolean;
  /** The resultCode used for validation failures (the real one is unknown). */
  validationResultCode: string;
  /** Fed-like instance: /v2/contacts and /v2/user/* give 404. */
  fedLike: boolean;
  /** Which resource prefixes answer. */
  prefixes: 'both' | 'v2' | 'api/v2';
  /** Tenant page-size cap: every paged list answers at most this many items, whatever `pageSize` asked (null: no cap). */
  maxPageSize: number | null;
  /** `GET /v2/contacts` alone answers 404 (endpoint missing) or 403 (not allowed); null: it works. */
  contactsStatus: 404 | 403 | null;
  /** The contacts and end-user lists also hold people without a numeric `id` (one a string, one without). */
  peopleWithoutNumericIds: boolean;
  /** The consent behind refresh tokens is gone: every refresh-token grant answers 400 invalid_grant and the token stays dead; a new authorization-code consent works. */
  refreshTokensRevoked: boolean;
}

export interface RateLimitConfig {
  /** off; 429 with Retry-After; or a 200 text/html "Too many requests" page. */
  mode: 'off' | '429' | 'html';
  /** Bucket size (burst). */
  capacity: number;
  /** Tokens added per second of (simulated) time. */
  refillPerSecond: number;
  /** Send the Retry-After header with 429s. */
  sendRetryAfter: boolean;
}

export interface FaultSpec {
  /** `"POST /v2/ticketing/ticket"`, `"/v2/ticketing/ticket/:id/comment"`, `"GET /v2/*"`; the method is optional; `/api/v2` is matched as `/v2`. */
  route: string;
  /** How many matching calls to affect (default 1). */
  count?: number;
  /** Status to reply with; omitted with `delayMs` means "slow but then normal". */
  status?: number;
  /** JSON body (a string is sent as text/plain unless contentType says otherwise). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long (real milliseconds) before acting. */
  delayMs?: number;
  /** Never answer (a client timeout); the socket is closed when the simulator closes. */
  hang?: boolean;
  /** before: the call does nothing; after: the real handler runs (a ticket IS created) and its reply is replaced. */
  phase?: 'before' | 'after';
}

export interface Fault extends Required<Pick<FaultSpec, 'route' | 'phase'>> {
  id: number;
  remaining: number;
  method: string | null;
  pattern: RegExp;
  spec: FaultSpec;
}

export interface JournalPart {
  name: string;
  kind: 'field' | 'file';
  contentType: string;
  /** Field text, JSON-parsed when it parses. */
  value?: unknown;
  filename?: string;
  size?: number;
  sha256?: string;
}

export interface JournalEntry {
  seq: number;
  /** Simulated epoch seconds. */
  time: number;
  requestId: string;
  method: string;
  /** Path as received (with /api prefix if any). */
  path: string;
  query: Record<string, unknown>;
  /** Request headers minus authorization, cookie and proxy-authorization. */
  headers: Record<string, string | string[] | undefined>;
  contentType: string | null;
  /** Parsed body (JSON, form fields with secrets redacted, or multipart fields). */
  body: unknown;
  parts: JournalPart[];
  /** Who called, when a bearer token was recognised. */
  auth: {
    kind: 'client_credentials' | 'user';
    clientId: string;
    scopes: Scope[];
    technicianId: number | null;
  } | null;
  status: number | null;
  faultId: number | null;
  notes: string[];
}

export interface AccessToken {
  token: string;
  clientId: string;
  kind: 'client_credentials' | 'user';
  scopes: Scope[];
  technicianId: number | null;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshToken {
  token: string;
  clientId: string;
  scopes: Scope[];
  technicianId: number | null;
  /** When the user consented: the max age counts from here. */
  consentAt: number;
  revoked: boolean;
}

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  scopes: Scope[];
  technicianId: number | null;
  codeChallenge: string | null;
  expiresAt: number;
  used: boolean;
}

export const DEFAULT_CONFIG: SimConfig = {
  accessTokenTtlSeconds: 3600,
  authCodeTtlSeconds: 600,
  refreshTokenRotation: 'rotate',
  refreshTokenMaxAgeSeconds: 30 * 24 * 3600,
  badClientSecret: { status: 401, body: { error: 'invalid_client' } },
  acceptBasicClientAuth: false,
  authorizeDecision: 'approve',
  clientCredentialsCannotWrite: false,
  insufficientScopeStatus: 403,
  versionConflict: {
    status: 409,
    body: { resultCode: 'FAILURE', errorMessage: 'version mismatch' },
  },
  commentNonMultipartStatus: 415,
  commentResponse: 'empty-200',
  statusAcceptsNames: false,
  requireRequesterUidOnCreate: false,
  rejectUnknownTicketFields: false,
  validationResultCode: 'VALIDATION_FAILED',
  fedLike: false,
  prefixes: 'both',
  maxPageSize: null,
  contactsStatus: null,
  peopleWithoutNumericIds: false,
  refreshTokensRevoked: false,
};

export const DEFAULT_RATE_LIMIT: RateLimitConfig = {
  mode: 'off',
  capacity: 5,
  refillPerSecond: 5,
  sendRetryAfter: true,
};

const JOURNAL_MAX = 5000;

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function incidentId(): string {
  return `SIM-${randomUUID()}`;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `"POST /v2/ticketing/ticket/:id/comment"` → method and a regex over the normalised path. */
export function compileRoute(route: string): { method: string | null; pattern: RegExp } {
  const m = /^\s*([A-Za-z]+)\s+(\S+)\s*$/.exec(route);
  const method = m ? m[1]!.toUpperCase() : null;
  let path = m ? m[2]! : route.trim();
  if (path.startsWith('/api/v2')) path = path.slice(4);
  const re = path
    .split('/')
    .map((seg) => {
      if (seg === '*') return '.*';
      if (seg.startsWith(':')) return '[^/]+';
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, pattern: new RegExp(`^${re}/?$`) };
}

/** Strip `/api` from `/api/v2/...` so faults and filters see one path. */
export function normalisePath(path: string): string {
  return path.startsWith('/api/v2/') || path === '/api/v2' ? path.slice(4) : path;
}

export class SimState {
  data!: SimFixture;
  config: SimConfig;
  rateLimit: RateLimitConfig;
  accessTokens = new Map<string, AccessToken>();
  refreshTokens = new Map<string, RefreshToken>();
  authCodes = new Map<string, AuthCode>();
  journal: JournalEntry[] = [];
  faults: Fault[] = [];
  buckets = new Map<string, { tokens: number; at: number }>();
  private clockOffsetMs = 0;
  private seq = 0;
  private faultSeq = 0;
  private logEntrySeq = 0;
  private contactSeq = 0;
  private endUserSeq = 0;

  constructor(
    seed: SeedInput,
    config: Partial<SimConfig> = {},
    rateLimit: Partial<RateLimitConfig> = {},
    private readonly extraClients: SimClientApp[] = [],
  ) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    this.rateLimit = { ...DEFAULT_RATE_LIMIT, ...rateLimit };
    this.load(seed);
  }

  /** Replace the tenant data and forget tokens, journal, faults and buckets. Config is kept. */
  load(seed: SeedInput): void {
    this.data = loadFixture(seed);
    for (const c of this.extraClients) {
      this.data.clients = this.data.clients.filter((x) => x.clientId !== c.clientId);
      this.data.clients.push(structuredClone(c));
    }
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.authCodes.clear();
    this.journal = [];
    this.faults = [];
    this.buckets.clear();
    this.logEntrySeq = Math.max(0, ...this.data.logEntries.map((e) => e.id));
    this.contactSeq = Math.max(100, ...this.data.contacts.map((c) => c.id));
    this.endUserSeq = Math.max(
      200,
      ...this.data.endUsers.map((u) => u.id),
      ...this.data.technicians.map((t) => t.id),
    );
  }

  /** Simulated time, epoch seconds (float). */
  now(): number {
    return (Date.now() + this.clockOffsetMs) / 1000;
  }

  advanceClock(seconds: number): number {
    this.clockOffsetMs += seconds * 1000;
    return this.now();
  }

  revokeAllTokens(which: 'all' | 'access' | 'refresh' = 'all'): void {
    if (which !== 'refresh') for (const t of this.accessTokens.values()) t.revoked = true;
    if (which !== 'access') for (const t of this.refreshTokens.values()) t.revoked = true;
  }

  issueAccessToken(
    clientId: string,
    kind: AccessToken['kind'],
    scopes: Scope[],
    technicianId: number | null,
  ): AccessToken {
    const t: AccessToken = {
      token: randomToken(),
      clientId,
      kind,
      scopes,
      technicianId,
      expiresAt: this.now() + this.config.accessTokenTtlSeconds,
      revoked: false,
    };
    this.accessTokens.set(t.token, t);
    return t;
  }

  issueRefreshToken(
    clientId: string,
    scopes: Scope[],
    technicianId: number | null,
    consentAt: number,
  ): RefreshToken {
    const t: RefreshToken = {
      token: randomToken(48),
      clientId,
      scopes,
      technicianId,
      consentAt,
      revoked: false,
    };
    this.refreshTokens.set(t.token, t);
    return t;
  }

  validAccessToken(token: string): AccessToken | null {
    const t = this.accessTokens.get(token);
    if (!t || t.revoked || t.expiresAt <= this.now()) return null;
    return t;
  }

  client(clientId: string): SimClientApp | undefined {
    return this.data.clients.find((c) => c.clientId === clientId);
  }

  nextJournalSeq(): number {
    return ++this.seq;
  }

  record(entry: JournalEntry): void {
    this.journal.push(entry);
    if (this.journal.length > JOURNAL_MAX)
      this.journal.splice(0, this.journal.length - JOURNAL_MAX);
  }

  nextLogEntryId(): number {
    return ++this.logEntrySeq;
  }

  nextContactId(): number {
    return ++this.contactSeq;
  }

  nextEndUserId(): number {
    return ++this.endUserSeq;
  }

  addFault(spec: FaultSpec): Fault {
    const { method, pattern } = compileRoute(spec.route);
    const f: Fault = {
      id: ++this.faultSeq,
      route: spec.route,
      phase: spec.phase ?? 'before',
      remaining: spec.count ?? 1,
      method,
      pattern,
      spec,
    };
    this.faults.push(f);
    return f;
  }

  /** Take one use of the first fault matching this call, if any. */
  takeFault(method: string, path: string): Fault | null {
    const p = normalisePath(path);
    const f = this.faults.find(
      (x) => x.remaining > 0 && (!x.method || x.method === method) && x.pattern.test(p),
    );
    if (!f) return null;
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return f;
  }

  /** The page size a paged list uses: what was asked (or `fallback`), capped by `maxPageSize`. */
  pageSize(asked: number | null, fallback: number | null): number | null {
    const size = asked && asked > 0 ? asked : fallback;
    const cap = this.config.maxPageSize;
    if (cap === null || cap <= 0) return size;
    return size === null ? cap : Math.min(size, cap);
  }

  /** Token bucket per access token. Returns seconds to wait, or 0 when the call may go through. */
  takeRateToken(key: string): number {
    const rl = this.rateLimit;
    if (rl.mode === 'off') return 0;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: rl.capacity, at: now };
    b.tokens = Math.min(rl.capacity, b.tokens + Math.max(0, now - b.at) * rl.refillPerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rl.refillPerSecond));
  }
}
