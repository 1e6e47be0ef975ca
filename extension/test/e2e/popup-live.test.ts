/**
 * The popup during a call streamed live (issue 15 items 3 and 4): the call card with the red
 * recording dot and the timer, the live transcript's segments appearing while the call lasts
 * (speaker colours), the final transcript opening in the popup after the hang-up with the ticket
 * preview from the server; "don't record this call" pressed mid-call (from the keyboard) leaves
 * nothing on the server, not even after the idle timeout; and the popup's accessibility: every
 * control named, the transcript panel opened and left from the keyboard.
 *
 * The real server (own database and Redis prefix), the extension streaming live (switched on, as the
 * options page does), the agent and the fake 3CX's caller speaking in turns with pauses (espeak-ng;
 * the energy detector cuts a window at each pause), and the REAL worker (whisper.cpp on the CPU with
 * the generated test model): the flow is real, the test model's words are meaningless, so the test
 * asserts on who spoke and when, not on what was said.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CallDetail, LiveRecording, type TokenPair } from '@cwn/protocol';
import {
  configureThroughOptions,
  openWebClient,
  startHarness,
  uploadItems,
  waitFor,
  type Harness,
} from '@cwn/test-support/extension-harness';
import { startInProcessWorker, type InProcessWorker } from '@cwn/test-support/worker';
import { encodeWav, msOf, place, speak } from '@cwn/test-support/worker-speech';

jest.setTimeout(240_000);

const SCREENSHOTS = process.env.CWN_SCREENSHOTS
  ? join(__dirname, '..', '..', '..', 'docs', 'screenshots')
  : null;
const IDLE_TIMEOUT_MS = 3_000;

let h: Harness;
let page: Page;
let worker: InProcessWorker;
let admin: TokenPair;

const LINES: Array<['agent' | 'caller', string]> = [
  ['agent', 'Good morning, help desk, how can I help you?'],
  ['caller', 'Hello, my printer shows a paper jam error.'],
  ['agent', 'Open the front door and pull the sheet out gently.'],
  ['caller', 'Done, but the light is still blinking red.'],
];

/**
 * The call's two sides as mono WAVs of the same length, played in a loop: each line on its
 * speaker's side at its turn, silence on the other side, a pause after each line (a window each).
 */
function conversation(dir: string): { agent: string; caller: string } {
  let at = 300;
  const parts: Record<'agent' | 'caller', { atMs: number; pcm: Float32Array }[]> = {
    agent: [],
    caller: [],
  };
  for (const [who, text] of LINES) {
    const pcm = speak(text, who === 'agent' ? 'en' : 'en+f3');
    parts[who].push({ atMs: at, pcm });
    at += msOf(pcm) + 1_500;
  }
  const agent = join(dir, 'agent.wav');
  const caller = join(dir, 'caller.wav');
  writeFileSync(agent, encodeWav([place(at, parts.agent)]));
  writeFileSync(caller, encodeWav([place(at, parts.caller)]));
  return { agent, caller };
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-popup-live-'));
  const voices = conversation(dir);
  h = await startHarness({
    live: true,
    ownDatabase: true,
    agentMicFile: voices.agent,
    callerAudioFile: voices.caller,
    // The energy detector: Silero's model is not part of the test setup (as in live-call.test.ts).
    serverEnv: { LIVE_VAD: 'energy', LIVE_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) },
  });
  // The harness gave the app a database and Redis prefix of its own: the worker takes its queue.
  worker = await startInProcessWorker(h.server, 'ext-popup-live');
  admin = await h.server.userWithRole('admin');
  page = await openWebClient(h);
  const reloaded = page.waitForEvent('load', { timeout: 20_000 });
  await configureThroughOptions(h);
  await reloaded;
  await page.waitForSelector('#push-state[data-state=open]', { timeout: 15_000 });
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

async function openPopup(): Promise<Page> {
  const popup = await h.ctx.newPage();
  await popup.setViewportSize({ width: 400, height: 640 });
  await popup.goto(`chrome-extension://${h.extensionId}/popup/popup.html`);
  await popup.waitForSelector(`#login-state:has-text("${h.agentEmail}")`);
  await popup.waitForSelector('#recent-state:has-text("Live.")');
  return popup;
}

interface LiveRow {
  id: string;
  state: string;
  liveId: string | null;
  serverCallId: string | null;
  sent: number;
}

/** The extension's live states and how many pieces it still holds, from its IndexedDB. */
async function liveStore(): Promise<{ rows: LiveRow[]; pieces: number }> {
  const sw = await h.worker();
  return sw.evaluate(
    () =>
      new Promise<{ rows: LiveRow[]; pieces: number }>((resolve, reject) => {
        const open = indexedDB.open('cwn-extension');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['live', 'livePieces']);
          const rows = tx.objectStore('live').getAll();
          const pieces = tx.objectStore('livePieces').count();
          tx.oncomplete = () =>
            resolve({
              rows: (rows.result as LiveRow[]).map(({ id, state, liveId, serverCallId, sent }) => ({
                id,
                state,
                liveId,
                serverCallId,
                sent,
              })),
              pieces: pieces.result,
            });
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

async function asAdmin(path: string) {
  return h.server.http.get(path).set('Authorization', `Bearer ${admin.accessToken}`);
}

describe('the popup during a live call', () => {
  it('shows the segments as they are transcribed, then the final transcript after the hang-up', async () => {
    const popup = await openPopup();
    const call = h.fake.placeInboundCall('+33 6 12 34 56 78', 'Camille Laurent');
    await page.click(`#call-${call.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);

    // The call card: who, the red dot (recording) and a running timer.
    const card = popup.locator('#calls .call-card[data-state=recording]');
    await card.waitFor({ timeout: 15_000 });
    expect(await card.locator('.call-who strong').textContent()).toBe('Camille Laurent');
    expect(await card.locator('.rec-dot').count()).toBe(1);
    const dot = await card.locator('.rec-dot').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(dot).toBe('rgb(198, 40, 40)'); // --cwn-danger, light scheme
    await waitFor(
      async () => /^0:0[2-9]$/.test((await card.locator('.call-timer').textContent()) ?? ''),
      'the timer runs',
    );

    // Segments of both sides arrive while the call lasts, in speaker colours.
    const live = card.locator('.live-segments');
    await live.locator('li.speaker-agent').first().waitFor({ timeout: 60_000 });
    await live.locator('li.speaker-caller').first().waitFor({ timeout: 30_000 });
    const during = await live.locator('li').count();
    expect(during).toBeGreaterThanOrEqual(2);
    expect(await live.locator('li.speaker-agent .speaker').first().textContent()).toBe('Agent');
    // More arrive: the list grows while the call goes on, and follows its end.
    let diag = '';
    await waitFor(
      async () => {
        diag = `live ${JSON.stringify((await liveStore()).rows)}`;
        return (await live.locator('li').count()) > during;
      },
      () => `more segments (${diag})`,
      60_000,
    );
    const followed = await live.evaluate((e) => e.scrollHeight - e.scrollTop - e.clientHeight);
    expect(followed).toBeLessThanOrEqual(24);
    if (SCREENSHOTS) await popup.screenshot({ path: join(SCREENSHOTS, 'popup-live.png') });
    const segmentsDuring = await live.locator('li').count();

    await page.click(`#call-${call.connectionId} .btn-hang-up`);
    const hungUpAt = Date.now();
    // The final transcript opens in the popup by itself: editable, with the server's ticket preview.
    await popup.locator('#transcript-panel:not([hidden]) #segments > li').first().waitFor({
      timeout: 90_000,
    });
    const finalMs = Date.now() - hungUpAt;
    console.log(`[popup-live] hang-up → final transcript in the popup: ${finalMs} ms`);
    const segments = popup.locator('#segments > li');
    expect(await segments.count()).toBeGreaterThanOrEqual(segmentsDuring);
    expect(await popup.locator('#segments > li.speaker-agent').count()).toBeGreaterThan(0);
    expect(await popup.locator('#segments > li.speaker-caller').count()).toBeGreaterThan(0);
    await popup.locator('#ticket-preview:not([hidden])').waitFor();
    expect(await popup.textContent('#ticket-subject')).not.toBe('');
    const body = (await popup.textContent('#ticket-body')) ?? '';
    expect(body).toMatch(/\] Agent: \S/);
    expect(body).toMatch(/\] Caller: \S/);
    expect(await popup.isVisible('#validate')).toBe(true);
    if (SCREENSHOTS) await popup.screenshot({ path: join(SCREENSHOTS, 'popup-final.png') });

    // It was a live recording: the server made the recording from the stream.
    const rows = await uploadItems(h);
    const item = rows.find((r) => r.call.pbxCallId === String(call.callId));
    expect(item).toMatchObject({ status: 'done' });
    const detail = CallDetail.parse((await asAdmin(`/api/calls/${item!.serverCallId}`)).body);
    expect(detail.recording).not.toBeNull();
    expect(detail.transcript?.segments.length).toBe(await segments.count());
    await popup.close();
  });

  it('"don\'t record this call" mid-call, from the keyboard, leaves nothing on the server', async () => {
    const popup = await openPopup();
    const call = h.fake.placeInboundCall('+33 1 98 76 54 32', 'Dominique Petit');
    await page.click(`#call-${call.connectionId} .btn-answer`);
    await page.waitForSelector(`#call-${call.connectionId}[data-state=connected]`);
    // The server holds some of the call's audio already.
    let row: LiveRow | undefined;
    await waitFor(
      async () => {
        row = (await liveStore()).rows.find((r) => r.id.endsWith(`:${call.connectionId}`));
        return !!row?.liveId && row.sent > 0;
      },
      () => `audio on the server (${JSON.stringify(row ?? null)})`,
      45_000,
    );
    const { liveId, serverCallId } = row!;
    const held = LiveRecording.parse((await asAdmin(`/api/live-recordings/${liveId}`)).body);
    expect(held.offset).toBeGreaterThan(0);

    // Tab to the card's switch and press Space.
    const box = popup.getByLabel("Don't record this call");
    await box.waitFor();
    let focused = false;
    for (let i = 0; i < 20 && !focused; i++) {
      await popup.keyboard.press('Tab');
      focused = await box.evaluate((e) => e === document.activeElement);
    }
    expect(focused).toBe(true);
    await popup.keyboard.press('Space');
    await popup.waitForSelector('#calls:has-text("not recorded")');
    expect(await popup.locator('.call-card').getAttribute('data-state')).toBe('not-recorded');

    // The extension discards the server's copy, then forgets the call's live audio.
    await waitFor(
      async () => {
        const local = await liveStore();
        return !local.rows.some((r) => r.id === row!.id) && local.pieces === 0;
      },
      'the live state and its pieces gone',
      30_000,
    );
    const discarded = LiveRecording.parse((await asAdmin(`/api/live-recordings/${liveId}`)).body);
    expect(discarded).toMatchObject({ state: 'discarded', offset: 0, recordingId: null });

    await new Promise((r) => setTimeout(r, 3_000));
    await page.click(`#call-${call.connectionId} .btn-hang-up`);
    // Past the idle timeout (and a sweeper pass or two): still no recording, no transcript.
    await new Promise((r) => setTimeout(r, IDLE_TIMEOUT_MS + 4_000));
    const detail = CallDetail.parse((await asAdmin(`/api/calls/${serverCallId}`)).body);
    expect(detail.recording).toBeNull();
    expect(detail.transcript).toBeNull();
    const transcript = await asAdmin(`/api/calls/${serverCallId}/live-transcript`);
    expect(transcript.body).toMatchObject({ state: 'discarded', segments: [] });
    expect((await uploadItems(h)).find((r) => r.call.pbxCallId === String(call.callId))).toBe(
      undefined,
    );
    await popup.close();
  });

  it('names every control for screen readers and works from the keyboard', async () => {
    const popup = await openPopup();
    await popup.locator('#recent .open-transcript').first().waitFor();
    // Every focusable or interactive node of the accessibility tree has a name.
    const cdp = await h.ctx.newCDPSession(popup);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: {
        ignored: boolean;
        role?: { value: string };
        name?: { value: string };
      }[];
    };
    const interactive = new Set(['button', 'checkbox', 'link', 'combobox', 'textbox', 'timer']);
    const unnamed = nodes.filter(
      (n) => !n.ignored && interactive.has(n.role?.value ?? '') && !n.name?.value?.trim(),
    );
    expect(unnamed.map((n) => n.role?.value)).toEqual([]);
    const roles = nodes.filter((n) => !n.ignored).map((n) => n.role?.value);
    expect(roles).toContain('status');
    await cdp.detach();
    // The headings the screen reader jumps by.
    expect(await popup.getByRole('heading', { name: 'Current calls' }).count()).toBe(1);
    expect(await popup.getByRole('heading', { name: 'Recent calls' }).count()).toBe(1);
    expect(await popup.locator('#calls li.empty').textContent()).toBe('No call.');

    // Open a transcript from the keyboard, leave it with Escape: focus comes back to the button.
    const open = popup.locator('#recent .open-transcript').first();
    let focused = false;
    for (let i = 0; i < 30 && !focused; i++) {
      await popup.keyboard.press('Tab');
      focused = await open.evaluate((e) => e === document.activeElement);
    }
    expect(focused).toBe(true);
    await popup.keyboard.press('Enter');
    await popup.locator('#transcript-panel:not([hidden]) #segments > li').first().waitFor();
    expect(await popup.evaluate(() => document.activeElement?.id)).toBe('transcript-h');
    await popup.keyboard.press('Escape');
    await popup.locator('#main-view:not([hidden])').waitFor();
    expect(await open.evaluate((e) => e === document.activeElement)).toBe(true);
    await popup.close();
  });
});
