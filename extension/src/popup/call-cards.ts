/**
 * The popup's current calls as cards: who, the red recording dot and the timer, "don't record
 * this call", and, once the call is on the server, its live transcript (segments as the windows
 * are transcribed, speaker colours, following the end unless the agent scrolled up). Cards are
 * kept between the status refreshes (once a second), so focus, scroll and the live segments stay.
 * After the hang-up the card stays until the final transcript is ready, which then opens in the
 * transcript panel (editing and validation).
 */
import { el } from './dom';
import { serverEventSchemas, type Segment } from '@cwn/protocol';
import type { Socket } from 'socket.io-client';
import { askBackground } from '../shared/ui-client';
import { t } from '../shared/i18n';
import type { StatusSnapshot } from '../background/service-worker';
import { liveTranscript, type ServerSession } from './api';
import { LiveSegments, atEnd, clock } from './live-view';
import { SPEAKER_LABELS, timestamp } from './transcript-view';

type ActiveCall = StatusSnapshot['calls'][number];

/** One segment as the popup shows it (live and final transcripts look the same). */
export function segmentItem(segment: Segment): HTMLLIElement {
  return el(
    'li',
    { className: `segment speaker-${segment.speaker}` },
    el(
      'p',
      { className: 'segment-head' },
      el('span', { className: 'speaker' }, SPEAKER_LABELS[segment.speaker]),
      el('time', {}, timestamp(segment.startMs)),
    ),
    el('p', { className: 'segment-text' }, segment.text),
  );
}

class LiveTranscriptView {
  readonly root: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly jump: HTMLButtonElement;
  private readonly segments = new LiveSegments();
  /** The call has a live recording on the server (read, or its segments arrived). */
  followed = false;

  constructor(readonly callId: string) {
    this.list = el('ol', { className: 'live-segments', tabIndex: 0 });
    this.list.setAttribute('aria-label', t('liveTranscript'));
    this.list.setAttribute('aria-live', 'polite');
    this.list.setAttribute('aria-relevant', 'additions');
    this.empty = el('p', { className: 'live-empty' }, t('liveWaiting'));
    this.jump = el('button', { type: 'button', className: 'jump-to-end', hidden: true });
    this.jump.textContent = t('newSegments');
    this.jump.addEventListener('click', () => this.follow());
    this.list.addEventListener('scroll', () => {
      if (atEnd(this.list)) this.jump.hidden = true;
    });
    this.root = el('section', { className: 'live-transcript' }, this.empty, this.list, this.jump);
    this.root.setAttribute('aria-label', t('liveTranscript'));
  }

  async load(session: ServerSession): Promise<void> {
    try {
      const live = await liveTranscript(session, this.callId);
      if (live) {
        this.followed = true;
        this.segments.setInitial(live.segments);
        this.render();
      }
    } catch {
      // The events still come; the first read is only a catch-up.
    }
  }

  onEvent(raw: unknown): void {
    const parsed = serverEventSchemas['transcript.live'].safeParse(raw);
    if (parsed.success && this.segments.apply(this.callId, parsed.data)) {
      this.followed = true;
      this.render();
    }
  }

  private follow(): void {
    this.list.scrollTop = this.list.scrollHeight;
    this.jump.hidden = true;
  }

  private render(): void {
    const following = atEnd(this.list);
    const items = this.segments.list().map(segmentItem);
    this.empty.hidden = items.length > 0;
    this.list.replaceChildren(...items);
    if (following) this.follow();
    else this.jump.hidden = false;
  }
}

interface Card {
  key: string;
  item: HTMLLIElement;
  name: HTMLElement;
  number: HTMLElement;
  timer: HTMLTimeElement;
  meta: HTMLElement;
  toggle: HTMLLabelElement;
  box: HTMLInputElement;
  serverCallId: string | null;
  live: LiveTranscriptView | null;
  ended: boolean;
}

export class CallCards {
  private readonly cards = new Map<string, Card>();
  private session: ServerSession | null = null;
  private socket: Socket | null = null;

  constructor(
    private readonly list: HTMLElement,
    /** The final transcript of a call whose card is still shown: open it. */
    private readonly openTranscript: (callId: string) => void,
  ) {}

  /** The popup's Socket.IO connection and the agent's session: live transcripts can start. */
  connect(socket: Socket, session: ServerSession): void {
    this.socket = socket;
    this.session = session;
    socket.on('transcript.live', (raw: unknown) => {
      for (const card of this.cards.values()) card.live?.onEvent(raw);
    });
    socket.on('transcript.ready', (raw: unknown) => {
      const parsed = serverEventSchemas['transcript.ready'].safeParse(raw);
      if (!parsed.success) return;
      for (const card of this.cards.values()) {
        if (card.serverCallId !== parsed.data.callId || !card.ended) continue;
        // A call the agent followed live opens on its final transcript; a call recorded whole
        // stays in the recent list (its "Transcript" button), so the view never changes unasked.
        const followedLive = card.live?.followed ?? false;
        this.remove(card);
        if (followedLive) this.openTranscript(parsed.data.callId);
      }
    });
    // Events missed while the socket was away: read each live transcript again.
    socket.on('connect', () => {
      for (const card of this.cards.values()) if (card.live) void card.live.load(session);
    });
    for (const card of this.cards.values()) this.startLive(card);
  }

  render(calls: ActiveCall[]): void {
    const seen = new Set<string>();
    for (const call of calls) {
      seen.add(call.key);
      const card = this.cards.get(call.key) ?? this.create(call);
      this.update(card, call);
    }
    for (const card of this.cards.values()) {
      if (seen.has(card.key) || card.ended) continue;
      // Hung up: kept (with its live segments) until the final transcript, if it reaches the server.
      if (!card.serverCallId || card.box.checked) this.remove(card);
      else this.end(card);
    }
    const items = [...this.cards.values()].map((c) => c.item);
    if (items.length === 0)
      this.list.replaceChildren(el('li', { className: 'empty' }, t('noCall')));
    else if (
      items.some((item, i) => this.list.children[i] !== item) ||
      this.list.children.length !== items.length
    )
      this.list.replaceChildren(...items);
  }

  private create(call: ActiveCall): Card {
    const box = el('input', { type: 'checkbox' });
    box.addEventListener(
      'change',
      () => void askBackground({ type: 'do-not-record', callKey: call.key, value: box.checked }),
    );
    const toggle = el('label', { className: 'check' }, box, t('dontRecord'));
    const name = el('strong');
    const number = el('span', { className: 'sub' });
    const timer = el('time', { className: 'call-timer' });
    timer.setAttribute('role', 'timer');
    timer.setAttribute('aria-label', t('callDuration'));
    const meta = el('p', { className: 'call-meta' });
    const item = el(
      'li',
      { className: 'call-card' },
      el(
        'div',
        { className: 'call-head' },
        el('span', { className: 'rec-dot' }),
        el('div', { className: 'call-who' }, name, number),
        timer,
      ),
      meta,
      toggle,
    );
    item.dataset.callKey = call.key;
    const card: Card = {
      key: call.key,
      item,
      name,
      number,
      timer,
      meta,
      toggle,
      box,
      serverCallId: null,
      live: null,
      ended: false,
    };
    this.cards.set(call.key, card);
    return card;
  }

  private update(card: Card, call: ActiveCall): void {
    const recording = !call.doNotRecord && call.recorders.some((r) => r.stoppedAt === null);
    const state = call.doNotRecord ? 'not-recorded' : recording ? 'recording' : 'waiting';
    card.item.dataset.state = state;
    card.name.textContent = call.remoteName ?? call.remoteNumber ?? t('unknown');
    card.number.textContent = call.remoteName ? (call.remoteNumber ?? '') : '';
    const since = call.answeredAt ?? call.startedAt;
    card.timer.textContent = clock(Date.now() - since);
    card.timer.dateTime = `PT${Math.max(0, Math.floor((Date.now() - since) / 1000))}S`;
    const label = call.doNotRecord ? t('notRecorded') : recording ? t('recording') : t('waiting');
    card.meta.replaceChildren(el('span', { className: 'rec-label' }, label), ` · ${call.status}`);
    if (document.activeElement !== card.box) card.box.checked = call.doNotRecord;
    const serverCallId = call.serverCallId ?? null;
    if (serverCallId && !card.serverCallId) {
      card.serverCallId = serverCallId;
      this.startLive(card);
    }
    if (card.live) card.live.root.hidden = call.doNotRecord;
  }

  private startLive(card: Card): void {
    if (card.live || !card.serverCallId || !this.session || !this.socket) return;
    card.live = new LiveTranscriptView(card.serverCallId);
    card.item.append(card.live.root);
    void card.live.load(this.session);
  }

  private end(card: Card): void {
    card.ended = true;
    card.item.dataset.state = 'ended';
    card.toggle.remove();
    card.meta.replaceChildren(t('callEndedWaiting'));
    // An hour at most: a call whose transcript never comes does not stay forever.
    setTimeout(() => this.remove(card), 60 * 60_000);
  }

  private remove(card: Card): void {
    this.cards.delete(card.key);
    card.item.remove();
  }
}
