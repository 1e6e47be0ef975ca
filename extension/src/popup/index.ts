/** Popup: login and 3CX tab state, current calls (timer, recording, "don't record"), the upload queue. */
import type { Call } from '@cwn/protocol';
import { askBackground } from '../shared/ui-client';
import { watchRecentCalls } from './recent-calls';
import { TranscriptPanel } from './transcript-panel';
import type { StatusSnapshot } from '../background/service-worker';
import { localizePage, t } from '../shared/i18n';

localizePage();

const $ = (id: string) => document.getElementById(id) as HTMLElement;

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function li(...children: (Node | string)[]): HTMLLIElement {
  const item = document.createElement('li');
  item.append(...children);
  return item;
}

function render(status: StatusSnapshot): void {
  $('login-state').textContent = status.user
    ? t('loggedInAs', status.user.email)
    : t('notLoggedInOpenOptions');
  $('tab-state').textContent = status.pbxTabFound ? t('pbxTabOpen') : t('pbxTabMissing');
  const capturing = status.tabCapture.length > 0;
  ($('tab-capture') as HTMLButtonElement).hidden = !status.pbxTabFound || capturing;
  if (capturing) $('tab-capture-state').textContent = t('tabCaptureOn');
  const calls = status.calls.map((call) => {
    const recording = !call.doNotRecord && call.recorders.some((r) => r.stoppedAt === null);
    const since = call.answeredAt ?? call.startedAt;
    const label = `${call.remoteName ?? ''} ${call.remoteNumber ?? t('unknown')} · ${call.status} · ${clock(Date.now() - since)} · ${
      call.doNotRecord ? t('notRecorded') : recording ? t('recording') : t('waiting')
    }`;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = call.doNotRecord;
    box.addEventListener(
      'change',
      () => void askBackground({ type: 'do-not-record', callKey: call.key, value: box.checked }),
    );
    const toggle = document.createElement('label');
    toggle.append(box, ` ${t('dontRecord')}`);
    return li(label, document.createElement('br'), toggle);
  });
  $('calls').replaceChildren(...(calls.length ? calls : [li(t('noCall'))]));
  const uploads = status.uploads.slice(0, 10).map((u) => {
    const text = `${u.call.remoteNumber ?? t('unknown')} · ${new Date(u.call.startedAt).toLocaleTimeString()} · ${u.status}${
      u.lastError ? ` (${u.lastError})` : ''
    }`;
    if (u.status !== 'failed') return li(text);
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.textContent = t('retry');
    retry.addEventListener(
      'click',
      () => void askBackground({ type: 'retry-upload', id: u.id }).then(update),
    );
    return li(text, ' ', retry);
  });
  $('uploads').replaceChildren(...(uploads.length ? uploads : [li(t('nothingToUpload'))]));
}

async function update(): Promise<void> {
  render(await askBackground<StatusSnapshot>({ type: 'status' }));
}

const HAS_TRANSCRIPT = new Set<Call['status']>(['transcribed', 'validated', 'ticketed']);
const panel = new TranscriptPanel(() => {
  $('main-view').hidden = false;
});

function renderRecent(calls: Call[], live: boolean): void {
  $('recent-state').textContent = live ? t('live') : t('notLive');
  const items = calls.map((c) => {
    const item = li(
      `${c.remoteName ?? ''} ${c.remoteNumber ?? t('unknown')} · ${new Date(c.startedAt).toLocaleTimeString()} · `,
    );
    const status = document.createElement('span');
    status.className = 'call-status';
    status.dataset.callId = c.id;
    status.textContent = c.status;
    item.append(status);
    if (HAS_TRANSCRIPT.has(c.status)) {
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'open-transcript';
      open.dataset.callId = c.id;
      open.textContent = t('transcript');
      open.setAttribute(
        'aria-label',
        t('transcriptOfCallWith', c.remoteName ?? c.remoteNumber ?? t('unknown')),
      );
      open.addEventListener('click', () => {
        $('main-view').hidden = true;
        void panel.open(c.id);
      });
      item.append(' ', open);
    }
    return item;
  });
  $('recent').replaceChildren(...(items.length ? items : [li(t('noCallsYet'))]));
}

$('tab-capture').addEventListener('click', () => {
  askBackground({ type: 'tab-capture' })
    .then(update)
    .catch(
      (err: unknown) =>
        ($('tab-capture-state').textContent = t('tabCaptureFailed', (err as Error).message)),
    );
});

void update();
setInterval(() => void update(), 1000);
watchRecentCalls(renderRecent)
  .then((socket) => socket && panel.listen(socket))
  .catch((err: unknown) => ($('recent-state').textContent = (err as Error).message));
