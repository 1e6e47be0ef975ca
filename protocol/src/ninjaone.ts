import { z } from 'zod';
import { Id, Timestamp } from './common';
import { RedactionResult } from './redaction';
import { Speaker } from './transcripts';

/** NinjaOne hosts, one per region; `custom` uses `baseUrl`. */
export const NINJAONE_REGIONS = {
  us: 'https://app.ninjarmm.com',
  us2: 'https://us2.ninjarmm.com',
  eu: 'https://eu.ninjarmm.com',
  ca: 'https://ca.ninjarmm.com',
  oc: 'https://oc.ninjarmm.com',
  fed: 'https://fed.ninjarmm.com',
} as const;
export const NinjaOneRegion = z.enum(['us', 'us2', 'eu', 'ca', 'oc', 'fed', 'custom']);
export type NinjaOneRegion = z.infer<typeof NinjaOneRegion>;

/**
 * `authorization_code`: an admin connects once, tickets are written in that technician's name
 * (some tenants refuse ticket writes to machine tokens). `client_credentials`: machine-to-machine.
 */
export const NinjaOneAuthMode = z.enum(['client_credentials', 'authorization_code']);
export type NinjaOneAuthMode = z.infer<typeof NinjaOneAuthMode>;

/** NinjaOne ticket priorities (NinjaOne has no CRITICAL). */
export const NinjaOnePriority = z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH']);
export type NinjaOnePriority = z.infer<typeof NinjaOnePriority>;

const positiveInt = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });

/** What the admin page reads: never a secret, only whether one is stored. */
export const NinjaOneSettings = z.object({
  region: NinjaOneRegion,
  /** The API host actually used (the region's, or the custom one). */
  baseUrl: httpUrl.nullable(),
  authMode: NinjaOneAuthMode,
  clientId: z.string().nullable(),
  hasClientSecret: z.boolean(),
  /** Authorization-code mode: a refresh token is stored (an admin connected). */
  connected: z.boolean(),
  connectedAt: Timestamp.nullable(),
  connectedBy: Id.nullable(),
  /** Not connected because NinjaOne refused the refresh token (revoked or expired): when and why. */
  disconnectedAt: Timestamp.nullable(),
  disconnectedReason: z.string().nullable(),
  /** The redirect URI to register on the NinjaOne client app (exact match). */
  redirectUri: z.string(),
  ticketFormId: positiveInt.nullable(),
  /** A tenant status id, sent as a string (e.g. "1000" = NEW). */
  statusId: z.string().nullable(),
  priority: NinjaOnePriority,
  fallbackOrganizationId: positiveInt.nullable(),
  /** `{caller}`, `{number}`, `{agent}`, `{date}`, `{firstWords}` are replaced; null = first words. */
  subjectTemplate: z.string().nullable(),
  /** Region used to read national phone numbers (ISO 3166 alpha-2). */
  phoneRegion: z.string(),
  /** Whether enough is set to try a connection. */
  configured: z.boolean(),
});
export type NinjaOneSettings = z.infer<typeof NinjaOneSettings>;

/**
 * PUT body. Secrets are write-only: omit `clientSecret` to keep the stored one, send null to
 * clear it.
 */
export const NinjaOneSettingsUpdate = z
  .object({
    region: NinjaOneRegion,
    baseUrl: httpUrl.nullable().optional(),
    authMode: NinjaOneAuthMode,
    clientId: z.string().trim().min(1).max(200).nullable(),
    clientSecret: z.string().min(1).max(500).nullable().optional(),
    ticketFormId: positiveInt.nullable().default(null),
    statusId: z
      .string()
      .regex(/^\d{1,9}$/, 'a NinjaOne status id such as "1000"')
      .nullable()
      .default(null),
    priority: NinjaOnePriority.default('NONE'),
    fallbackOrganizationId: positiveInt.nullable().default(null),
    subjectTemplate: z.string().trim().min(1).max(200).nullable().default(null),
    phoneRegion: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 region such as FR')
      .default('FR'),
  })
  .strict()
  .refine((s) => s.region !== 'custom' || !!s.baseUrl, {
    message: 'baseUrl is required when region is custom',
    path: ['baseUrl'],
  });
export type NinjaOneSettingsUpdate = z.infer<typeof NinjaOneSettingsUpdate>;

/** Result of `POST /api/settings/ninjaone/test`. */
export const NinjaOneTestResult = z.object({
  /** A token was obtained and an authenticated read worked. */
  connection: z.object({ ok: z.boolean(), message: z.string() }),
  /**
   * Whether this tenant lets the configured mode create tickets, found by sending a deliberately
   * invalid create (no ticket is made): refused as "user context required" → 'no'; rejected for
   * its content → 'yes'; anything else → 'unknown'.
   */
  ticketWrite: z.object({ allowed: z.enum(['yes', 'no', 'unknown']), message: z.string() }),
  organizations: z.number().int().nonnegative().nullable(),
});
export type NinjaOneTestResult = z.infer<typeof NinjaOneTestResult>;

export const NinjaOneConnectResponse = z.object({
  /** Send the admin's browser here; NinjaOne comes back to the callback. */
  authorizeUrl: z.url(),
});
export type NinjaOneConnectResponse = z.infer<typeof NinjaOneConnectResponse>;

export const NinjaOneCallbackQuery = z.object({
  code: z.string().min(1).max(2000).optional(),
  state: z.string().min(1).max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(500).optional(),
});
export type NinjaOneCallbackQuery = z.infer<typeof NinjaOneCallbackQuery>;

export const NinjaOneOrganization = z.object({ id: positiveInt, name: z.string() });
export type NinjaOneOrganization = z.infer<typeof NinjaOneOrganization>;

export const NinjaOneOrganizationList = z.object({ items: z.array(NinjaOneOrganization) });
export type NinjaOneOrganizationList = z.infer<typeof NinjaOneOrganizationList>;

/** Ticket creation state kept per transcript. */
export const TicketState = z.enum(['pending', 'creating', 'created', 'failed']);
export type TicketState = z.infer<typeof TicketState>;

/** A NinjaOne person a caller's number matched: a contact or an end user of an organization. */
export const NinjaOnePerson = z.object({
  kind: z.enum(['contact', 'end_user']),
  id: positiveInt,
  /** What NinjaOne takes as `requesterUid`. */
  uid: z.string(),
  name: z.string(),
  organizationId: positiveInt,
});
export type NinjaOnePerson = z.infer<typeof NinjaOnePerson>;

/** The caller's number matched against NinjaOne contacts and end users (E.164 on both sides). */
export const CallerMatch = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('matched'), organizationId: positiveInt, contact: NinjaOnePerson }),
  z.object({ kind: z.literal('none') }),
  z.object({
    kind: z.literal('ambiguous'),
    candidates: z.array(
      z.object({
        organizationId: positiveInt,
        organizationName: z.string(),
        contact: NinjaOnePerson,
      }),
    ),
  }),
]);
export type CallerMatch = z.infer<typeof CallerMatch>;

export const CallerMatchQuery = z.object({ number: z.string().trim().min(1).max(40) });
export type CallerMatchQuery = z.infer<typeof CallerMatchQuery>;

export const CallerMatchResponse = z.object({
  /** The number in E.164, or null when it could not be read as a phone number. */
  e164: z.string().nullable(),
  match: CallerMatch,
  /**
   * Why NinjaOne's people could not all be read (a contacts endpoint this tenant lacks or refuses,
   * NinjaOne down): the match is then "none" or based on what could be read. Absent or null: the
   * lookup worked.
   */
  lookupError: z.string().nullable().optional(),
});
export type CallerMatchResponse = z.infer<typeof CallerMatchResponse>;

/**
 * `GET /api/transcripts/:id/redaction-preview`: what the ticket will contain, so the person
 * validating sees what is redacted (spans refer to each segment's original text).
 */
export const TicketPreview = z.object({
  transcriptId: Id,
  segments: z.array(
    z.object({
      speaker: Speaker,
      startMs: z.number().int().nonnegative(),
      text: z.string(),
      redacted: RedactionResult,
    }),
  ),
  redactions: z.number().int().nonnegative(),
  ticket: z.object({ subject: z.string(), body: z.string() }),
});
export type TicketPreview = z.infer<typeof TicketPreview>;

/** Where a transcript's ticket stands (`GET /api/transcripts/:id/ticket`). */
export const TicketStatus = z.object({
  transcriptId: Id,
  callId: Id,
  state: TicketState,
  ticketId: z.number().int().nullable(),
  ticketUrl: z.string().nullable(),
  organizationId: z.number().int().nullable(),
  /** Why the last attempt failed, in words for the user (NinjaOne's own message when it refused). */
  failureReason: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  updatedAt: Timestamp,
});
export type TicketStatus = z.infer<typeof TicketStatus>;

/** `POST /api/transcripts/:id/ticket`: try a failed ticket again, optionally for a chosen organization. */
export const TicketRetryRequest = z
  .object({ organizationId: positiveInt.nullable().default(null) })
  .strict();
export type TicketRetryRequest = z.infer<typeof TicketRetryRequest>;

/** Choices for the admin page: the tenant's ticket forms and statuses. */
export const NinjaOneTicketOptions = z.object({
  forms: z.array(
    z.object({ id: positiveInt, name: z.string(), active: z.boolean(), default: z.boolean() }),
  ),
  /** `id` is what `statusId` takes (a string). */
  statuses: z.array(z.object({ id: z.string(), name: z.string(), displayName: z.string() })),
});
export type NinjaOneTicketOptions = z.infer<typeof NinjaOneTicketOptions>;
