/**
 * What went wrong talking to NinjaOne, classified for the caller:
 * - `retryable`: try again later (429, 5xx, network); `ambiguous` when a write may have happened;
 * - `permanent`: retrying will not help (other 4xx, bad settings); the message is shown to users.
 * Messages carry NinjaOne's own words (errorMessage / error_description) and never a credential.
 */
export type NinjaOneErrorKind = 'retryable' | 'permanent';

export interface NinjaOneErrorInfo {
  kind: NinjaOneErrorKind;
  /** HTTP status NinjaOne answered, null for network errors and local problems. */
  status?: number | null;
  /** NinjaOne's machine code (resultCode / error), when there was one. */
  code?: string | null;
  /** Seconds NinjaOne asked us to wait (Retry-After). */
  retryAfterSeconds?: number | null;
  /** The request may have been processed although no success came back (5xx/timeout on a write). */
  ambiguous?: boolean;
  /** x-nj-request-id / incidentId, for support. */
  requestId?: string | null;
}

/** Codes that mean this server's NinjaOne settings are not ready, not that NinjaOne failed. */
export const SETTINGS_NOT_READY: ReadonlySet<string> = new Set([
  'not_configured',
  'not_connected',
  'wrong_mode',
]);

/**
 * Answered at the HTTP edge (http/domain-errors) by its marks: settings not ready are a conflict
 * (409: an admin must act first); anything else NinjaOne's trouble (503 when a retry may work,
 * 502 when NinjaOne refused).
 */
export class NinjaOneError extends Error {
  readonly kind: NinjaOneErrorKind;
  readonly status: number | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | null;
  readonly ambiguous: boolean;
  readonly requestId: string | null;

  constructor(message: string, info: NinjaOneErrorInfo) {
    super(message);
    this.name = 'NinjaOneError';
    this.kind = info.kind;
    this.status = info.status ?? null;
    this.code = info.code ?? null;
    this.retryAfterSeconds = info.retryAfterSeconds ?? null;
    this.ambiguous = info.ambiguous ?? false;
    this.requestId = info.requestId ?? null;
  }

  /** Mark read by http/domain-errors: the settings are not ready (409). */
  get conflict(): boolean {
    return this.code !== null && SETTINGS_NOT_READY.has(this.code);
  }

  /** Mark read by http/domain-errors: NinjaOne itself failed (503 retryable, 502 refused). */
  get dependency(): 'unavailable' | 'refused' | undefined {
    if (this.conflict) return undefined;
    return this.kind === 'retryable' ? 'unavailable' : 'refused';
  }

  get userContextRequired(): boolean {
    return this.code === 'user_context_required';
  }
}

export const notConfigured = (what: string) =>
  new NinjaOneError(
    `NinjaOne is not configured: ${what} (an admin sets it in Settings → NinjaOne)`,
    {
      kind: 'permanent',
      code: 'not_configured',
    },
  );

export const USER_CONTEXT_MESSAGE =
  'NinjaOne refuses to create tickets with a client-credentials (machine) token on this tenant ' +
  '(user_context_required). An admin must switch the NinjaOne auth mode to "authorization code" ' +
  'and click "Connect NinjaOne" in Settings → NinjaOne.';

/** NinjaOne's error text from any of its three body families (ninjaone.md §4.1). */
export function apiMessage(body: unknown): {
  message: string | null;
  code: string | null;
  incidentId: string | null;
} {
  if (!body || typeof body !== 'object') return { message: null, code: null, incidentId: null };
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const code = str(b.resultCode) ?? str(b.error) ?? str(b.errorCode);
  const message = str(b.errorMessage) ?? str(b.error_description) ?? str(b.message) ?? code;
  return { message, code, incidentId: str(b.incidentId) };
}
