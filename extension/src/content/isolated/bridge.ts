/**
 * The isolated-world content script on the configured 3CX origin. It hands the MAIN-world hook a
 * private MessagePort, validates everything that comes through it, decodes the push frames, and
 * forwards to the service worker over a runtime port. Every message is numbered and kept until the
 * service worker acknowledges it (the worker stores chunks before it acks), so a worker restart
 * in the middle of a call loses nothing: the port reconnects and the unacknowledged rest is resent.
 */
import { HOOK_READY, PORT_OFFER } from '../main-world/wire';
import { toBase64 } from '../../shared/base64';
import { Ack, CaptureCommand, MainWorldEvent, type PageMessage } from '../../shared/messages';
import { recordTrack } from '../../shared/recorder';
import { decodePushFrame } from '../../shared/myphone';
import { loadSettings, originOf } from '../../shared/settings';
import { watchCallView } from './call-view';
import { browser, type Runtime } from '../../shared/browser';

type Unnumbered = PageMessage extends infer M ? (M extends unknown ? Omit<M, 'n'> : never) : never;

/** Runs the bridge (the isolated-world entrypoint, index.ts, calls it). */
export async function runBridge(): Promise<void> {
  const settings = await loadSettings();
  if (originOf(settings.pbxUrl) !== window.location.origin) return;

  let next = 0;
  const unacked = new Map<number, PageMessage>();
  let runtimePort: Runtime.Port | null = null;
  let invalidated = false;

  const connect = () => {
    if (invalidated) return;
    try {
      const p = browser.runtime.connect({ name: 'page' });
      runtimePort = p;
      p.onMessage.addListener((raw: unknown) => {
        const ack = Ack.safeParse(raw);
        if (ack.success) unacked.delete(ack.data.n);
        const command = CaptureCommand.safeParse(raw);
        if (command.success) void onCaptureCommand(command.data);
      });
      p.onDisconnect.addListener(() => {
        runtimePort = null;
        setTimeout(connect, 250);
      });
      for (const msg of unacked.values()) p.postMessage(msg);
    } catch {
      // "Extension context invalidated": the extension was reloaded; this page needs a reload.
      invalidated = true;
    }
  };

  const forward = (msg: Unnumbered) => {
    const numbered = { ...msg, n: next++ } as PageMessage;
    unacked.set(numbered.n, numbered);
    try {
      runtimePort?.postMessage(numbered);
    } catch {
      runtimePort = null;
    }
  };

  // Tab-capture fallback: the agent's side is this page's microphone (the page's permission).
  const micRecorders = new Map<string, { recorder: MediaRecorder; stream: MediaStream }>();
  const onCaptureCommand = async ({ action, pcId }: CaptureCommand) => {
    if (action === 'stop') {
      const running = micRecorders.get(pcId);
      micRecorders.delete(pcId);
      if (running && running.recorder.state !== 'inactive') running.recorder.stop();
      running?.stream.getTracks().forEach((t) => setTimeout(() => t.stop(), 500));
      return;
    }
    if (micRecorders.has(pcId)) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const track = stream.getAudioTracks()[0];
      if (!track) return;
      const recorder = recordTrack(track, {
        started: (mimeType) =>
          forward({ type: 'recorder-started', pcId, side: 'agent', mimeType, at: Date.now() }),
        chunk: (seq, at, data) =>
          forward({ type: 'chunk', pcId, side: 'agent', seq, at, base64: toBase64(data) }),
        stopped: (chunks) =>
          forward({ type: 'recorder-stopped', pcId, side: 'agent', chunks, at: Date.now() }),
      });
      micRecorders.set(pcId, { recorder, stream });
    } catch (err) {
      console.warn('[cwn] microphone for the tab-capture fallback:', (err as Error).message);
    }
  };

  connect();
  let provision: { username: string; domain: string } | null = null;
  try {
    const raw = JSON.parse(window.localStorage.getItem('wc.provision') ?? 'null') as Record<
      string,
      unknown
    > | null;
    if (raw && typeof raw.username === 'string') {
      provision = {
        username: raw.username,
        domain: typeof raw.domain === 'string' ? raw.domain : '',
      };
    }
  } catch {
    provision = null;
  }
  forward({ type: 'hello', provision });
  // The caller's details as the call view shows them (for calls the push socket does not describe).
  watchCallView(document, (calls) => forward({ type: 'dom-calls', calls, at: Date.now() }));

  const channel = new MessageChannel();
  channel.port1.onmessage = (event: MessageEvent) => {
    const parsed = MainWorldEvent.safeParse(event.data);
    if (!parsed.success) {
      console.warn(
        '[cwn] dropped a malformed message from the page hook',
        parsed.error.issues[0]?.message,
      );
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'chunk':
        forward({
          type: 'chunk',
          pcId: msg.pcId,
          side: msg.side,
          seq: msg.seq,
          at: msg.at,
          base64: toBase64(msg.data),
        });
        break;
      case 'push-frame': {
        const frame = decodePushFrame(new Uint8Array(msg.data));
        if (frame.kind === 'connections') {
          for (const problem of frame.problems) console.warn('[cwn] push frame:', problem);
          if (frame.items.length)
            forward({
              type: 'pbx',
              listAction: frame.listAction,
              items: frame.items,
              at: Date.now(),
            });
        } else if (frame.kind === 'malformed') {
          console.warn('[cwn] unreadable push frame:', frame.reason);
        }
        break;
      }
      case 'log':
        console.info('[cwn hook]', msg.message);
        break;
      default:
        forward(msg);
    }
  };
  let offered = false;
  const offer = () => {
    if (offered) return;
    offered = true;
    window.postMessage({ __cwn: PORT_OFFER }, window.location.origin, [channel.port2]);
  };
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { __cwn?: string } | null;
    if (event.source === window && data?.__cwn === HOOK_READY) offer();
  });
  // The hook may have announced itself before this script listened; it accepts the port any time.
  offer();
}
