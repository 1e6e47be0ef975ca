/**
 * Every message between the extension's contexts, typed once and validated on receipt:
 *  - MAIN world → isolated content script (private MessageChannel; binary as ArrayBuffer),
 *  - isolated content script → service worker (runtime port; JSON, binary as base64),
 *  - service worker ↔ offscreen document, popup and options (runtime messages).
 * Contracts with our server live in @cwn/protocol, not here.
 */
// zod/mini: the same checks as zod, in a tree-shakable form, because this module is in the
// content script loaded on every 3CX page (docs/decisions/0501-extension-on-wxt.md).
import { z } from 'zod/mini';

export const Side = z.enum(['agent', 'caller']);
export type Side = z.infer<typeof Side>;

const PcId = z.string().check(z.regex(/^[A-Za-z0-9-]{8,64}$/));
const At = z.int().check(z.nonnegative());
const Seq = z.int().check(z.nonnegative(), z.lte(1_000_000));

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
    mimeType: z.string().check(z.maxLength(100)),
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
      .check(z.refine((b) => b.byteLength <= 4 * 1024 * 1024, 'chunk over 4 MiB')),
  }),
  z.object({ type: z.literal('push-frame'), data: z.instanceof(ArrayBuffer) }),
  z.object({ type: z.literal('log'), message: z.string().check(z.maxLength(2000)) }),
]);
export type MainWorldEvent = z.infer<typeof MainWorldEvent>;

/** A 3CX LocalConnection as decoded by the isolated script. */
export const PbxConnection = z.object({
  action: z.int(),
  connectionId: z.int(),
  callId: z.nullable(z.int()),
  state: z.nullable(z.int()),
  otherPartyName: z.nullable(z.string().check(z.maxLength(200))),
  otherPartyCallerId: z.nullable(z.string().check(z.maxLength(100))),
  isIncoming: z.nullable(z.boolean()),
  otherPartyDn: z.nullable(z.string().check(z.maxLength(100))),
});
export type PbxConnection = z.infer<typeof PbxConnection>;

/**
 * A call as the 3CX web client's call view shows it (read from the page's DOM by the isolated
 * script): the caller's details for calls the push socket did not describe.
 */
export const DomCall = z.object({
  remoteName: z.nullable(z.string().check(z.maxLength(200))),
  remoteNumber: z.nullable(z.string().check(z.maxLength(100))),
  direction: z.nullable(z.enum(['inbound', 'outbound'])),
});
export type DomCall = z.infer<typeof DomCall>;

/** Isolated content script → service worker. Every message carries `n`, acknowledged by the SW. */
export const PageMessage = z.intersection(
  z.discriminatedUnion('type', [
    ...mediaEvents,
    z.object({ ...chunkOf, base64: z.string().check(z.maxLength(6 * 1024 * 1024)) }),
    z.object({
      type: z.literal('pbx'),
      listAction: z.int(),
      items: z.array(PbxConnection),
      at: At,
    }),
    z.object({
      type: z.literal('dom-calls'),
      calls: z.array(DomCall).check(z.maxLength(20)),
      at: At,
    }),
    z.object({
      type: z.literal('hello'),
      provision: z.nullable(
        z.object({
          username: z.string().check(z.maxLength(50)),
          domain: z.string().check(z.maxLength(200)),
        }),
      ),
    }),
  ]),
  z.object({ n: z.int().check(z.nonnegative()) }),
);
export type PageMessage = z.infer<typeof PageMessage>;

export const Ack = z.object({ type: z.literal('ack'), n: z.int().check(z.nonnegative()) });
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
  tabId: z.int(),
  streamId: z.string().check(z.minLength(1)),
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
