/**
 * Every message between the extension's contexts, typed once and validated on receipt:
 *  - MAIN world → isolated content script (private MessageChannel; binary as ArrayBuffer),
 *  - isolated content script → service worker (runtime port; JSON, binary as base64),
 *  - service worker ↔ offscreen document, popup and options (runtime messages).
 * Contracts with our server live in @cwn/protocol, not here.
 */
import { z } from 'zod';

export const Side = z.enum(['agent', 'caller']);
export type Side = z.infer<typeof Side>;

const PcId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/);
const At = z.number().int().nonnegative();
const Seq = z.number().int().nonnegative().max(1_000_000);

/** Events the page hook reports (media events only; it never decides anything). */
const mediaEvents = [
  z.object({ type: z.literal('pc-created'), pcId: PcId, at: At }),
  z.object({
    type: z.literal('pc-state'),
    pcId: PcId,
    state: z.enum(['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed']),
    at: At,
  }),
  z.object({ type: z.literal('hold'), pcId: PcId, held: z.boolean(), at: At }),
  /** The agent's track was replaced (device change): a new recording segment of the same call. */
  z.object({ type: z.literal('pc-segment'), pcId: PcId, parentPcId: PcId, at: At }),
  z.object({
    type: z.literal('recorder-started'),
    pcId: PcId,
    side: Side,
    mimeType: z.string().max(100),
    at: At,
  }),
  z.object({ type: z.literal('recorder-stopped'), pcId: PcId, side: Side, chunks: Seq, at: At }),
] as const;

/** Where a recorded chunk belongs; its bytes travel as an ArrayBuffer, then as base64. */
const chunkOf = { type: z.literal('chunk'), pcId: PcId, side: Side, seq: Seq, at: At };

export const MainWorldEvent = z.discriminatedUnion('type', [
  ...mediaEvents,
  z.object({
    ...chunkOf,
    data: z
      .instanceof(ArrayBuffer)
      .refine((b) => b.byteLength <= 4 * 1024 * 1024, 'chunk over 4 MiB'),
  }),
  z.object({ type: z.literal('push-frame'), data: z.instanceof(ArrayBuffer) }),
  z.object({ type: z.literal('log'), message: z.string().max(2000) }),
]);
export type MainWorldEvent = z.infer<typeof MainWorldEvent>;

/** A 3CX LocalConnection as decoded by the isolated script. */
export const PbxConnection = z.object({
  action: z.number().int(),
  connectionId: z.number().int(),
  callId: z.number().int().nullable(),
  state: z.number().int().nullable(),
  otherPartyName: z.string().max(200).nullable(),
  otherPartyCallerId: z.string().max(100).nullable(),
  isIncoming: z.boolean().nullable(),
  otherPartyDn: z.string().max(100).nullable(),
});
export type PbxConnection = z.infer<typeof PbxConnection>;

/** Isolated content script → service worker. Every message carries `n`, acknowledged by the SW. */
export const PageMessage = z
  .discriminatedUnion('type', [
    ...mediaEvents,
    z.object({ ...chunkOf, base64: z.string().max(6 * 1024 * 1024) }),
    z.object({
      type: z.literal('pbx'),
      listAction: z.number().int(),
      items: z.array(PbxConnection),
      at: At,
    }),
    z.object({
      type: z.literal('hello'),
      provision: z.object({ username: z.string().max(50), domain: z.string().max(200) }).nullable(),
    }),
  ])
  .and(z.object({ n: z.number().int().nonnegative() }));
export type PageMessage = z.infer<typeof PageMessage>;

export const Ack = z.object({ type: z.literal('ack'), n: z.number().int().nonnegative() });
export type Ack = z.infer<typeof Ack>;

/** Service worker → offscreen document. */
export const ConvertRequest = z.object({
  target: z.literal('offscreen'),
  type: z.literal('convert'),
  callKey: z.string(),
});
export type ConvertRequest = z.infer<typeof ConvertRequest>;

export const ConvertResult = z.union([
  z.object({
    ok: z.literal(true),
    sizeBytes: z.number(),
    durationMs: z.number(),
    sha256: z.string(),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type ConvertResult = z.infer<typeof ConvertResult>;

/** Service worker → offscreen document: start the tab-capture fallback for a 3CX tab. */
export const TabCaptureStart = z.object({
  target: z.literal('offscreen'),
  type: z.literal('tab-capture-start'),
  tabId: z.number().int(),
  streamId: z.string().min(1),
});
export type TabCaptureStart = z.infer<typeof TabCaptureStart>;

/** Service worker → offscreen capture port: record one call (a pseudo peer connection id) or stop. */
export const CaptureCommand = z.object({
  type: z.literal('capture-call'),
  action: z.enum(['start', 'stop']),
  pcId: z.string(),
});
export type CaptureCommand = z.infer<typeof CaptureCommand>;

/** Popup and options → service worker. */
export const UiRequest = z.discriminatedUnion('type', [
  z.object({ target: z.literal('background'), type: z.literal('status') }),
  z.object({
    target: z.literal('background'),
    type: z.literal('login'),
    email: z.string(),
    password: z.string(),
  }),
  z.object({ target: z.literal('background'), type: z.literal('logout') }),
  z.object({
    target: z.literal('background'),
    type: z.literal('save-settings'),
    serverUrl: z.url(),
    pbxUrl: z.url(),
  }),
  z.object({
    target: z.literal('background'),
    type: z.literal('do-not-record'),
    callKey: z.string(),
    value: z.boolean(),
  }),
  z.object({ target: z.literal('background'), type: z.literal('retry-upload'), id: z.string() }),
  /** For the popup's own connection to the server (recent calls, live status). */
  z.object({ target: z.literal('background'), type: z.literal('server-session') }),
  /** The popup's click: record the 3CX tab's audio and the microphone (fallback, no hook). */
  z.object({ target: z.literal('background'), type: z.literal('tab-capture') }),
]);
export type UiRequest = z.infer<typeof UiRequest>;
