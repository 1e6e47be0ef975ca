/**
 * Popup: login and 3CX tab state, the current calls as cards (recording dot, timer, "don't
 * record", live transcript), the upload queue, the recent calls, and the transcript panel.
 */
import type { Call } from '@cwn/protocol';
import { askBackground } from '../shared/ui-client';
import { watchRecentCalls } from './recent-calls';
import { TranscriptPanel } from './transcript-panel';
import { CallCards } from './call-cards';
import type { StatusSnapshot } from '../background/service-worker';
import { localizePage, t } from '../shared/i18n';

localizePage();

const $ = (id: string) => document.getElementById(id) as HTMLElement;

function li(...children: (Node | string)[]): HTMLLIElement {
  const item = document.createElement('li');
  item.append(...children);
  return item;
}

function span(className: string, ...children: (Node | string)[]): HTMLSpanElement {
  const node = document.createElement('span');
  node.className = className;
  node.append(...children);
  return node;
}

function empty(text: string): HTMLLIElement {
  const item = li(text);
  item.className = 'empty';
  return item;
}

const HAS_TRANSCRIPT = new Set<Call['status']>(['transcribed', 'validated', 'ticketed']);

let openedFrom: string | null = null;
function openPanel(callId: string): void {
  openedFrom = callId;
  $('main-view').hidden = true;
  void panel.open(callId);
}

const panel = new TranscriptPanel(() => {
  $('main-view').hidden = false;
  // Keyboard use: back where the agent was.
  document
    .querySelector<HTMLElement>(`.open-transcript[data-call-id="${openedFrom ?? ''}"]`)
    ?.focus();
});
const cards = new CallCards($('calls'), openPanel);

function render(status: StatusSnapshot): void {
  $('login-state').textContent = status.user
    ? t('loggedInAs', status.user.email)
    : t('notLoggedInOpenOptions');
  $('login-state').dataset.ok = String(!!status.user);
  $('tab-state').textContent = status.pbxTabFound ? t('pbxTabOpen') : t('pbxTabMissing');
  $('tab-state').dataset.ok = String(status.pbxTabFound);
  const capturing = status.tabCapture.length > 0;
  ($('tab-capture') as HTMLButtonElement).hidden = !status.pbxTabFound || capturing;
  if (capturing) $('tab-capture-state').textContent = t('tabCaptureOn');
  cards.render(status.calls);
  const uploads = status.uploads.slice(0, 10).map((u) => {
    const main = span(
      'row-main',
      u.call.remoteName ?? u.call.remoteNumber ?? t('unknown'),
      span(
        'sub',
        `${new Date(u.call.startedAt).toLocaleTimeString()}${u.lastError ? ` · ${u.lastError}` : ''}`,
      ),
    );
    const state = span('call-status', u.status);
    if (u.status === 'failed') state.dataset.state = 'error';
    if (u.status !== 'failed') return li(main, state);
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'secondary';
    retry.textContent = t('retry');
    retry.setAttribute('aria-label', t('retryUploadOf', u.call.remoteNumber ?? t('unknown')));
    retry.addEventListener(
      'click',
      () => void askBackground({ type: 'retry-upload', id: u.id }).then(update),
    );
    return li(main, state, retry);
  });
  $('uploads').replaceChildren(...(uploads.length ? uploads : [empty(t('nothingToUpload'))]));
}

async function update(): Promise<void> {
  try {
    render(await askBackground<StatusSnapshot>({ type: 'status' }));
  } catch (err) {
    $('login-state').textContent = t('extensionUnavailable', (err as Error).message);
    $('login-state').dataset.ok = 'false';
  }
}

function renderRecent(calls: Call[], live: boolean): void {
  $('recent-state').textContent = live ? t('live') : t('notLive');
  $('recent-state').dataset.live = String(live);
  const items = calls.map((c) => {
    const status = span('call-status', c.status);
    status.dataset.callId = c.id;
    const item = li(
      span(
        'row-main',
        c.remoteName ?? c.remoteNumber ?? t('unknown'),
        span(
          'sub',
          `${c.remoteName && c.remoteNumber ? `${c.remoteNumber} · ` : ''}${new Date(c.startedAt).toLocaleTimeString()}`,
        ),
      ),
      status,
    );
    if (HAS_TRANSCRIPT.has(c.status)) {
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'open-transcript secondary';
      open.dataset.callId = c.id;
      open.textContent = t('transcript');
      open.setAttribute(
        'aria-label',
        t('transcriptOfCallWith', c.remoteName ?? c.remoteNumber ?? t('unknown')),
      );
      open.addEventListener('click', () => openPanel(c.id));
      item.append(open);
    }
    return item;
  });
  $('recent').replaceChildren(...(items.length ? items : [empty(t('noCallsYet'))]));
}

$('tab-capture').addEventListener('click', () => {
  askBackground({ type: 'tab-capture' })
    .then(update)
    .catch(
      (err: unknown) =>
        ($('tab-capture-state').textContent = t('tabCaptureFailed', (err as Error).message)),
    );
});

// Escape leaves the transcript panel (keyboard use: the panel's first control is "Back").
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !$('transcript-panel').hidden) {
    event.preventDefault();
    panel.close();
  }
});

void update();
setInterval(() => void update(), 1000);
watchRecentCalls(renderRecent)
  .then((watch) => {
    if (!watch) return;
    panel.listen(watch.socket);
    cards.connect(watch.socket, watch.session);
  })
  .catch((err: unknown) => {
    $('recent-state').textContent = t('recentUnavailable', (err as Error).message);
    $('recent-state').dataset.state = 'error';
  });
