/**
 * The call state machine. It joins two sources that do not know each other: the 3CX push frames
 * (call id, numbers, direction, ringing/connected/deleted) and the page's WebRTC events (peer
 * connections, recorders, hold through the SDP direction). Pure and serialisable, so the service
 * worker can persist it after every event and resume after a restart.
 */
import { ConnectionAction, ConnectionState } from '../shared/myphone';
import type { DomCall, PbxConnection, Side } from '../shared/messages';

export type TrackedStatus = 'ringing' | 'dialing' | 'connected' | 'held' | 'ended';

export interface RecorderInfo {
  pcId: string;
  side: Side;
  startedAt: number;
  stoppedAt: number | null;
  /** Chunks announced by the recorder when it stopped (null while recording). */
  expectedChunks: number | null;
  storedChunks: number;
}

export interface TrackedCall {
  /** Our id, unique per browser profile: `<tabId>:<connectionId>` or `<tabId>:pc:<pcId>`. */
  key: string;
  tabId: number;
  connectionId: number | null;
  pbxCallId: string | null;
  direction: 'inbound' | 'outbound';
  remoteNumber: string | null;
  remoteName: string | null;
  status: TrackedStatus;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  pcIds: string[];
  closedPcIds: string[];
  holds: { from: number; to: number | null }[];
  recorders: RecorderInfo[];
  doNotRecord: boolean;
  /** Number, name and direction were read from the web client's call view (no push frames). */
  domDetails?: boolean;
}

export interface TrackerState {
  calls: TrackedCall[];
  /** Per tab, the calls its call view shows (DOM), newest reading. */
  domCalls?: Record<string, DomCall[]>;
  /** Per tab, the call-view entries already given to a call (while the view shows them). */
  domTaken?: Record<string, string[]>;
}

/** How long an ended call waits for its recorders' last chunks before it is finished anyway. */
export const FINISH_GRACE_MS = 15_000;

const ENDED_PC_STATES = new Set(['closed', 'failed']);

const domKey = (d: DomCall) => JSON.stringify([d.remoteName, d.remoteNumber, d.direction]);

export class CallTracker {
  private calls: TrackedCall[];
  private domCalls: Record<string, DomCall[]>;
  private domTaken: Record<string, string[]>;

  constructor(state: TrackerState = { calls: [] }) {
    this.calls = structuredClone(state.calls);
    this.domCalls = structuredClone(state.domCalls ?? {});
    this.domTaken = structuredClone(state.domTaken ?? {});
  }

  snapshot(): TrackerState {
    return {
      calls: structuredClone(this.calls),
      domCalls: structuredClone(this.domCalls),
      domTaken: structuredClone(this.domTaken),
    };
  }

  /**
   * The tab's call view changed. Its details go to the calls known only through WebRTC (no push
   * frame described them): without them such a call has no number or name and is taken as inbound.
   */
  onDomCalls(tabId: number, calls: DomCall[]): void {
    const tab = String(tabId);
    this.domCalls[tab] = calls;
    // An entry stays taken while the view still shows it (an ended call may linger there).
    const shown = new Set(calls.map(domKey));
    this.domTaken[tab] = (this.domTaken[tab] ?? []).filter((k) => shown.has(k));
    this.applyDomDetails(tabId);
  }

  private applyDomDetails(tabId: number): void {
    const tab = String(tabId);
    const taken = (this.domTaken[tab] ??= []);
    const free = (this.domCalls[tab] ?? []).filter(
      (d) => (d.remoteNumber !== null || d.remoteName !== null) && !taken.includes(domKey(d)),
    );
    const waiting = this.calls
      .filter(
        (c) =>
          c.tabId === tabId && c.connectionId === null && c.status !== 'ended' && !c.domDetails,
      )
      .sort((a, b) => a.startedAt - b.startedAt);
    // Oldest call first: with several calls shown, each takes the next one not taken yet.
    for (const call of waiting) {
      const details = free.shift();
      if (!details) break;
      call.remoteNumber = details.remoteNumber;
      call.remoteName = details.remoteName;
      if (details.direction) call.direction = details.direction;
      call.domDetails = true;
      taken.push(domKey(details));
    }
  }

  active(): TrackedCall[] {
    return this.calls.filter((c) => c.status !== 'ended');
  }

  all(): readonly TrackedCall[] {
    return this.calls;
  }

  get(key: string): TrackedCall | undefined {
    return this.calls.find((c) => c.key === key);
  }

  isRecording(): boolean {
    return this.calls.some((c) => !c.doNotRecord && c.recorders.some((r) => r.stoppedAt === null));
  }

  onPbx(tabId: number, items: PbxConnection[], at: number): void {
    for (const item of items) this.onConnection(tabId, item, at);
  }

  private onConnection(tabId: number, item: PbxConnection, at: number): void {
    let call = this.calls.find((c) => c.tabId === tabId && c.connectionId === item.connectionId);
    if (item.action === ConnectionAction.Deleted) {
      if (call && call.status !== 'ended') this.end(call, at);
      return;
    }
    if (!call) {
      // A call first seen through WebRTC (hook before the push socket) gets its metadata now.
      call = this.calls.find(
        (c) => c.tabId === tabId && c.connectionId === null && c.status !== 'ended',
      );
      if (call) {
        call.connectionId = item.connectionId;
        call.key = `${tabId}:${item.connectionId}`;
      }
    }
    if (!call) {
      call = {
        key: `${tabId}:${item.connectionId}`,
        tabId,
        connectionId: item.connectionId,
        pbxCallId: null,
        direction: 'inbound',
        remoteNumber: null,
        remoteName: null,
        status: 'ringing',
        startedAt: at,
        answeredAt: null,
        endedAt: null,
        pcIds: [],
        closedPcIds: [],
        holds: [],
        recorders: [],
        doNotRecord: false,
      };
      this.calls.push(call);
    }
    if (item.callId !== null) call.pbxCallId = String(item.callId);
    if (item.isIncoming !== null) call.direction = item.isIncoming ? 'inbound' : 'outbound';
    call.remoteNumber = item.otherPartyCallerId || item.otherPartyDn || call.remoteNumber;
    call.remoteName = item.otherPartyName || call.remoteName;
    if (
      item.state === ConnectionState.Ringing &&
      call.status !== 'connected' &&
      call.status !== 'held'
    ) {
      call.status = 'ringing';
    } else if (
      item.state === ConnectionState.Dialing &&
      call.status !== 'connected' &&
      call.status !== 'held'
    ) {
      call.status = 'dialing';
    } else if (item.state === ConnectionState.Connected) {
      if (call.status !== 'held') call.status = 'connected';
      call.answeredAt ??= at;
    }
  }

  onPcCreated(tabId: number, pcId: string, at: number): void {
    if (this.callOfPc(pcId)) return;
    // 3CX creates the peer connection when the agent answers or dials: give it to the newest call
    // of this tab that has none yet; otherwise track a call known only through WebRTC.
    const candidates = this.calls.filter(
      (c) => c.tabId === tabId && c.status !== 'ended' && c.pcIds.length === 0,
    );
    const order: TrackedStatus[] = ['connected', 'dialing', 'ringing', 'held'];
    candidates.sort(
      (a, b) => order.indexOf(a.status) - order.indexOf(b.status) || b.startedAt - a.startedAt,
    );
    const call = candidates[0];
    if (call) {
      call.pcIds.push(pcId);
      return;
    }
    this.calls.push({
      key: `${tabId}:pc:${pcId}`,
      tabId,
      connectionId: null,
      pbxCallId: null,
      direction: 'inbound',
      remoteNumber: null,
      remoteName: null,
      status: 'dialing',
      startedAt: at,
      answeredAt: null,
      endedAt: null,
      pcIds: [pcId],
      closedPcIds: [],
      holds: [],
      recorders: [],
      doNotRecord: false,
    });
    this.applyDomDetails(tabId);
  }

  /** A new recording segment (replaced microphone track) belongs to its peer connection's call. */
  onPcSegment(parentPcId: string, pcId: string): void {
    const call = this.callOfPc(parentPcId);
    if (call && !call.pcIds.includes(pcId)) call.pcIds.push(pcId);
  }

  /** The calls of a tab that are up but have no peer connection the hook saw (fallback capture). */
  callsWithoutMedia(tabId: number): TrackedCall[] {
    return this.calls.filter(
      (c) =>
        c.tabId === tabId &&
        (c.status === 'connected' || c.status === 'held') &&
        c.pcIds.length === 0,
    );
  }

  /** Gives a call a capture that is not a peer connection (tab capture), by the call's key. */
  attachPc(key: string, pcId: string): void {
    const call = this.get(key);
    if (call && !call.pcIds.includes(pcId)) call.pcIds.push(pcId);
  }

  onPcState(pcId: string, state: string, at: number): void {
    const call = this.callOfPc(pcId);
    if (!call) return;
    if (state === 'connected') {
      call.answeredAt ??= at;
      if (call.status === 'ringing' || call.status === 'dialing') call.status = 'connected';
    }
    if (ENDED_PC_STATES.has(state) && !call.closedPcIds.includes(pcId)) {
      call.closedPcIds.push(pcId);
      // Without PBX metadata the peer connections are all we know: the call ends with them.
      if (call.connectionId === null && call.closedPcIds.length === call.pcIds.length)
        this.end(call, at);
    }
  }

  onHold(pcId: string, held: boolean, at: number): void {
    const call = this.callOfPc(pcId);
    if (!call || call.status === 'ended') return;
    const open = call.holds.find((h) => h.to === null);
    if (held && !open) {
      call.holds.push({ from: at, to: null });
      call.status = 'held';
    } else if (!held && open) {
      open.to = at;
      call.status = 'connected';
    }
  }

  onRecorderStarted(pcId: string, side: Side, at: number): void {
    const call = this.callOfPc(pcId);
    if (!call || this.recorder(call, pcId, side)) return;
    call.recorders.push({
      pcId,
      side,
      startedAt: at,
      stoppedAt: null,
      expectedChunks: null,
      storedChunks: 0,
    });
  }

  /** Whether a chunk should be stored (false for unknown recorders and "don't record" calls). */
  acceptsChunk(pcId: string, side: Side): boolean {
    const call = this.callOfPc(pcId);
    return !!call && !call.doNotRecord && !!this.recorder(call, pcId, side);
  }

  /** Chunks arrive in order per recorder; a resent one (after a reconnect) changes nothing. */
  onChunkStored(pcId: string, side: Side, seq: number): void {
    const call = this.callOfPc(pcId);
    const rec = call && this.recorder(call, pcId, side);
    if (rec) rec.storedChunks = Math.max(rec.storedChunks, seq + 1);
  }

  onRecorderStopped(pcId: string, side: Side, chunks: number, at: number): void {
    const call = this.callOfPc(pcId);
    const rec = call && this.recorder(call, pcId, side);
    if (!rec) return;
    rec.stoppedAt ??= at;
    rec.expectedChunks = chunks;
  }

  setDoNotRecord(key: string, value: boolean): TrackedCall | undefined {
    const call = this.get(key);
    if (call) call.doNotRecord = value;
    return call;
  }

  /**
   * Removes and returns the calls that are over: ended, and every recorder stopped with all its
   * chunks stored (or the grace period passed).
   */
  takeFinished(now: number): TrackedCall[] {
    const done = this.calls.filter((c) => {
      if (c.status !== 'ended' || c.endedAt === null) return false;
      const complete = c.recorders.every(
        (r) =>
          r.stoppedAt !== null && r.expectedChunks !== null && r.storedChunks >= r.expectedChunks,
      );
      return complete || now - c.endedAt >= FINISH_GRACE_MS;
    });
    this.calls = this.calls.filter((c) => !done.includes(c));
    return done;
  }

  /** After a browser restart nothing is live any more: end every call still open. */
  endAll(at: number): void {
    for (const call of this.calls) if (call.status !== 'ended') this.end(call, at);
  }

  /** Ends the calls of a tab that was closed or navigated away. */
  endTab(tabId: number, at: number): void {
    for (const call of this.calls)
      if (call.tabId === tabId && call.status !== 'ended') this.end(call, at);
  }

  private end(call: TrackedCall, at: number): void {
    call.status = 'ended';
    call.endedAt = at;
    const open = call.holds.find((h) => h.to === null);
    if (open) open.to = at;
  }

  private callOfPc(pcId: string): TrackedCall | undefined {
    return this.calls.find((c) => c.pcIds.includes(pcId));
  }

  private recorder(call: TrackedCall, pcId: string, side: Side): RecorderInfo | undefined {
    return call.recorders.find((r) => r.pcId === pcId && r.side === side);
  }
}
