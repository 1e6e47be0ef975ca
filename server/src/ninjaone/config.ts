import type { NinjaOneAuthMode, NinjaOnePriority } from '@cwn/protocol';

/** Everything the NinjaOne client and the ticket job need, secrets included (never serialised). */
export interface ResolvedNinjaOneConfig {
  baseUrl: string;
  authMode: NinjaOneAuthMode;
  clientId: string;
  clientSecret: string;
  ticketFormId: number | null;
  statusId: string | null;
  priority: NinjaOnePriority;
  fallbackOrganizationId: number | null;
  subjectTemplate: string | null;
  phoneRegion: string;
  redirectUri: string;
  /** Changes whenever host, mode or credentials change: cached tokens and lookups key on it. */
  fingerprint: string;
}

/** Scopes asked for: tickets need `management`; `offline_access` only with the code flow. */
export const CLIENT_CREDENTIALS_SCOPE = 'monitoring management';
export const AUTHORIZATION_CODE_SCOPE = 'monitoring management offline_access';
