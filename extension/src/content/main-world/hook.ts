/**
 * Runs in the 3CX page's MAIN world at document_start, before the web client's own scripts. It
 * wraps RTCPeerConnection (local tracks through addTrack/addTransceiver, remote through track
 * events, connection state, hold through the SDP direction) and the `/ws/webclient` push socket,
 * records each side with its own MediaRecorder in 1 s slices and hands everything to the isolated
 * content script over a private MessageChannel. It decides nothing and never throws into the page:
 * until the isolated script hands over its port (which it does only on the configured 3CX origin),
 * events are only buffered.
 */
import { HOOK_READY, PORT_OFFER, sdpHoldState } from './wire';

type Side = 'agent' | 'caller';
type Outgoing = Record<string, unknown> & { type: string };

declare global {
  interface Window {
    __cwnHookInstalled?: boolean;
  }
}

const SLICE_MS = 1000;
const MAX_BUFFERED = 2000;

/** Installs the hook once per page (the MAIN-world entrypoint, index.ts, calls it). */
export function installHook(): void {
  if (window.__cwnHookInstalled) return;
  window.__cwnHookInstalled = true;

  let port: MessagePort | null = null;
  const buffered: { msg: Outgoing; transfer: Transferable[] }[] = [];

  function send(msg: Outgoing, transfer: Transferable[] = []): void {
    try {
      if (port) port.postMessage(msg, transfer);
      else if (buffered.length < MAX_BUFFERED) buffered.push({ msg, transfer });
    } catch {
      // Never break the page.
    }
  }
  function log(message: string): void {
    send({ type: 'log', message: message.slice(0, 2000) });
  }

  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { __cwn?: string } | null;
    if (event.source !== window || port || data?.__cwn !== PORT_OFFER || !event.ports[0]) return;
    port = event.ports[0];
    for (const { msg, transfer } of buffered.splice(0)) port.postMessage(msg, transfer);
  });
  window.postMessage({ __cwn: HOOK_READY }, window.location.origin);

  // ---------------------------------------------------------------- recording
  class SideRecorder {
    private recorder: MediaRecorder | null = null;
    private seq = 0;
    private chain: Promise<void> = Promise.resolve();

    constructor(
      private readonly pcId: string,
      readonly side: Side,
      readonly track: MediaStreamTrack,
    ) {}

    start(): void {
      if (this.recorder) return;
      const mimeType = MediaRecorder.isTypeSupported('audio/webm;codecs=opus')
        ? 'audio/webm;codecs=opus'
        : '';
      const recorder = new MediaRecorder(
        new MediaStream([this.track]),
        mimeType ? { mimeType } : undefined,
      );
      this.recorder = recorder;
      recorder.addEventListener('dataavailable', (e: BlobEvent) => {
        if (e.data.size === 0) return;
        const seq = this.seq++;
        const at = Date.now();
        this.chain = this.chain.then(async () => {
          const data = await e.data.arrayBuffer();
          send({ type: 'chunk', pcId: this.pcId, side: this.side, seq, at, data }, [data]);
        });
      });
      recorder.addEventListener('stop', () => {
        this.chain = this.chain.then(() => {
          send({
            type: 'recorder-stopped',
            pcId: this.pcId,
            side: this.side,
            chunks: this.seq,
            at: Date.now(),
          });
        });
      });
      recorder.start(SLICE_MS);
      send({
        type: 'recorder-started',
        pcId: this.pcId,
        side: this.side,
        mimeType: recorder.mimeType,
        at: Date.now(),
      });
      this.track.addEventListener('ended', () => this.stop());
    }

    stop(): void {
      if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    }
  }

  interface PcInfo {
    id: string;
    local: MediaStreamTrack | null;
    remote: MediaStreamTrack | null;
    recorders: SideRecorder[];
    /** Ids of the recording segments started by replaceTrack (one per new microphone track). */
    segments: string[];
    connected: boolean;
    held: boolean;
    ended: boolean;
  }

  const infos = new WeakMap<RTCPeerConnection, PcInfo>();

  function startRecorders(info: PcInfo): void {
    if (!info.connected || info.ended) return;
    for (const [side, track] of [
      ['agent', info.local],
      ['caller', info.remote],
    ] as const) {
      if (!track || info.recorders.some((r) => r.track === track)) continue;
      if (info.recorders.some((r) => r.side === side)) {
        log(`second ${side} track on one peer connection is not recorded`);
        continue;
      }
      const rec = new SideRecorder(info.id, side, track);
      info.recorders.push(rec);
      try {
        rec.start();
      } catch (err) {
        log(`MediaRecorder failed: ${String(err)}`);
      }
    }
  }

  function endPc(info: PcInfo, state: string): void {
    if (info.ended) return;
    info.ended = true;
    for (const r of info.recorders) r.stop();
    for (const id of [info.id, ...info.segments])
      send({ type: 'pc-state', pcId: id, state, at: Date.now() });
  }

  /** The agent's microphone was replaced: the old recorder ends, a new segment records the new track. */
  function onReplaceTrack(info: PcInfo, track: MediaStreamTrack): void {
    if (info.ended || track === info.local) return;
    info.local = track;
    if (!info.connected) return;
    for (const r of info.recorders) if (r.side === 'agent') r.stop();
    const segmentId = `${info.id}-s${info.segments.length + 1}`;
    info.segments.push(segmentId);
    send({ type: 'pc-segment', pcId: segmentId, parentPcId: info.id, at: Date.now() });
    const rec = new SideRecorder(segmentId, 'agent', track);
    info.recorders.push(rec);
    try {
      rec.start();
    } catch (err) {
      log(`MediaRecorder failed: ${String(err)}`);
    }
  }

  const senderInfo = new WeakMap<RTCRtpSender, PcInfo>();

  function checkHold(pc: RTCPeerConnection, info: PcInfo): void {
    const held = sdpHoldState(pc.localDescription?.sdp, pc.remoteDescription?.sdp);
    if (held !== info.held) {
      info.held = held;
      send({ type: 'hold', pcId: info.id, held, at: Date.now() });
    }
  }

  const NativePc = window.RTCPeerConnection;
  if (NativePc) {
    class HookedPeerConnection extends NativePc {
      constructor(config?: RTCConfiguration) {
        super(config);
        const info: PcInfo = {
          id: crypto.randomUUID(),
          local: null,
          remote: null,
          recorders: [],
          segments: [],
          connected: false,
          held: false,
          ended: false,
        };
        infos.set(this, info);
        send({ type: 'pc-created', pcId: info.id, at: Date.now() });
        this.addEventListener('track', (e: RTCTrackEvent) => {
          if (e.track.kind !== 'audio' || info.remote) return;
          info.remote = e.track;
          startRecorders(info);
        });
        this.addEventListener('connectionstatechange', () => {
          const state = this.connectionState;
          if (state === 'closed' || state === 'failed') return endPc(info, state);
          send({ type: 'pc-state', pcId: info.id, state, at: Date.now() });
          if (state === 'connected') {
            info.connected = true;
            // Fallback for tracks attached in ways the wrappers did not see.
            info.local ??= this.getSenders().find((s) => s.track?.kind === 'audio')?.track ?? null;
            info.remote ??=
              this.getReceivers().find((r) => r.track.kind === 'audio')?.track ?? null;
            startRecorders(info);
          }
        });
      }

      override addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender {
        const sender = super.addTrack(track, ...streams);
        const info = infos.get(this);
        if (info) senderInfo.set(sender, info);
        if (info && track.kind === 'audio' && !info.local) info.local = track;
        return sender;
      }

      override addTransceiver(
        trackOrKind: MediaStreamTrack | string,
        init?: RTCRtpTransceiverInit,
      ): RTCRtpTransceiver {
        const transceiver = super.addTransceiver(trackOrKind, init);
        const info = infos.get(this);
        if (info) senderInfo.set(transceiver.sender, info);
        if (
          info &&
          typeof trackOrKind !== 'string' &&
          trackOrKind.kind === 'audio' &&
          !info.local
        ) {
          info.local = trackOrKind;
        }
        return transceiver;
      }

      override async setLocalDescription(
        description?: RTCLocalSessionDescriptionInit,
      ): Promise<void> {
        await super.setLocalDescription(description);
        const info = infos.get(this);
        if (info) checkHold(this, info);
      }

      override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
        await super.setRemoteDescription(description);
        const info = infos.get(this);
        if (info) checkHold(this, info);
      }

      override close(): void {
        const info = infos.get(this);
        super.close();
        if (info) endPc(info, 'closed');
      }
    }
    window.RTCPeerConnection = HookedPeerConnection;

    const nativeReplaceTrack = RTCRtpSender.prototype.replaceTrack;
    RTCRtpSender.prototype.replaceTrack = async function replaceTrack(
      this: RTCRtpSender,
      track: MediaStreamTrack | null,
    ) {
      await nativeReplaceTrack.call(this, track);
      const info = senderInfo.get(this);
      if (info && track && track.kind === 'audio') {
        try {
          onReplaceTrack(info, track);
        } catch (err) {
          log(`replaceTrack: ${String(err)}`);
        }
      }
    };
  }

  // ---------------------------------------------------------------- push socket
  const NativeWebSocket = window.WebSocket;
  class HookedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (!String(url).includes('/ws/webclient')) return;
      this.addEventListener('message', (e: MessageEvent) => {
        const data: unknown = e.data;
        if (data instanceof ArrayBuffer) {
          const copy = data.slice(0);
          send({ type: 'push-frame', data: copy }, [copy]);
        } else if (data instanceof Blob) {
          void data.arrayBuffer().then((copy) => send({ type: 'push-frame', data: copy }, [copy]));
        }
      });
    }
  }
  window.WebSocket = HookedWebSocket;
}
