/**
 * Fallback capture for a 3CX tab whose peer connections the page hook cannot see: the tab's
 * audio output (the caller, via chrome.tabCapture) recorded while the service worker says a call
 * is up. The agent's side is the microphone, recorded by the isolated content script in the 3CX
 * tab (it holds the page's microphone permission; an offscreen document cannot ask for one).
 * Events and chunks go to the worker in the same shapes as the page bridge sends, over a port
 * that resends whatever was not acknowledged. Limits: see the extension README.
 */
import { toBase64 } from '../shared/base64';
import { Ack, CaptureCommand, type PageMessage } from '../shared/messages';
import { recordTrack } from '../shared/recorder';
import { browser, type Runtime } from '../shared/browser';

type Unnumbered = PageMessage extends infer M ? (M extends unknown ? Omit<M, 'n'> : never) : never;

interface Session {
  tabId: number;
  tab: MediaStream;
  audio: AudioContext;
  port: Runtime.Port | null;
  next: number;
  unacked: Map<number, PageMessage>;
  recorders: Map<string, MediaRecorder[]>;
}

let session: Session | null = null;

function send(s: Session, msg: Unnumbered): void {
  const numbered = { ...msg, n: s.next++ } as PageMessage;
  s.unacked.set(numbered.n, numbered);
  try {
    s.port?.postMessage(numbered);
  } catch {
    s.port = null;
  }
}

function record(
  s: Session,
  pcId: string,
  side: 'agent' | 'caller',
  track: MediaStreamTrack,
): MediaRecorder {
  return recordTrack(track, {
    started: (mimeType) =>
      send(s, { type: 'recorder-started', pcId, side, mimeType, at: Date.now() }),
    chunk: (seq, at, data) =>
      send(s, { type: 'chunk', pcId, side, seq, at, base64: toBase64(data) }),
    stopped: (chunks) => send(s, { type: 'recorder-stopped', pcId, side, chunks, at: Date.now() }),
  });
}

function onCommand(s: Session, raw: unknown): void {
  const ack = Ack.safeParse(raw);
  if (ack.success) {
    s.unacked.delete(ack.data.n);
    return;
  }
  const cmd = CaptureCommand.safeParse(raw);
  if (!cmd.success) return;
  const { pcId, action } = cmd.data;
  if (action === 'start' && !s.recorders.has(pcId)) {
    send(s, { type: 'pc-state', pcId, state: 'connected', at: Date.now() });
    const tab = s.tab.getAudioTracks()[0];
    const recorders: MediaRecorder[] = [];
    if (tab) recorders.push(record(s, pcId, 'caller', tab));
    s.recorders.set(pcId, recorders);
  } else if (action === 'stop') {
    for (const r of s.recorders.get(pcId) ?? []) if (r.state !== 'inactive') r.stop();
    s.recorders.delete(pcId);
    send(s, { type: 'pc-state', pcId, state: 'closed', at: Date.now() });
  }
}

function connect(s: Session): void {
  if (session !== s) return;
  const port = browser.runtime.connect({ name: `capture:${s.tabId}` });
  s.port = port;
  port.onMessage.addListener((raw: unknown) => onCommand(s, raw));
  port.onDisconnect.addListener(() => {
    s.port = null;
    setTimeout(() => connect(s), 250);
  });
  for (const msg of s.unacked.values()) port.postMessage(msg);
}

export async function startTabCapture(tabId: number, streamId: string): Promise<void> {
  if (session?.tabId === tabId) return;
  stopTabCapture();
  const tab = await navigator.mediaDevices.getUserMedia({
    audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: streamId } },
  } as unknown as MediaStreamConstraints);
  // Capturing mutes the tab: play it again so the agent still hears the caller.
  const audio = new AudioContext();
  audio.createMediaStreamSource(tab).connect(audio.destination);
  session = { tabId, tab, audio, port: null, next: 0, unacked: new Map(), recorders: new Map() };
  connect(session);
}

export function stopTabCapture(): void {
  if (!session) return;
  const s = session;
  session = null;
  for (const list of s.recorders.values())
    for (const r of list) if (r.state !== 'inactive') r.stop();
  s.tab.getTracks().forEach((t) => t.stop());
  void s.audio.close();
  s.port?.disconnect();
}
