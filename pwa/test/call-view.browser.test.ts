import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '@cwn/test-support/app';
import { launchPhone, type Phone } from '@cwn/test-support/pwa-browser';
import { DIST_DIR } from '@cwn/test-support/pwa-build';
import { speechWav } from '@cwn/test-support/speech';
import { serveDist, type StaticSite } from '@cwn/test-support/static-server';

jest.setTimeout(90_000);

const CALL_ID = '5f0d3c1e-2b7a-4c9e-8f31-0a6b2d4e8c11';
const RECORDING_ID = '7a1e9b20-3c4d-4e5f-9a6b-1c2d3e4f5a6b';

let site: StaticSite;
let server: TestApp;
let phone: Phone;
let page: Page;

beforeAll(async () => {
  site = await serveDist(DIST_DIR);
  server = await startTestApp({ CORS_ORIGINS: site.url });
  phone = await launchPhone('fr-FR');
  page = phone.context.pages()[0] ?? (await phone.context.newPage());
});

afterAll(async () => {
  await phone?.close();
  await server?.close();
  await site?.close();
});

/**
 * What a manager's device holds after opening a call and choosing "keep audio for offline": the
 * transcript in IndexedDB, the recording in Cache Storage. (The calls and transcripts APIs are on
 * other branches; this server has the real login only.)
 */
async function seedDevice(p: Page, apiUrl: string, tokens: unknown, wav: Buffer): Promise<void> {
  await p.evaluate(
    async ({ apiUrl, tokens, wav, callId, recordingId }) => {
      localStorage.setItem('cwn.server', apiUrl);
      localStorage.setItem('cwn.session', JSON.stringify(tokens));
      const transcript = {
        id: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        callId,
        recordingId,
        language: 'fr',
        segments: [
          { speaker: 'agent', startMs: 0, endMs: 1500, text: 'Bonjour, support informatique.' },
          { speaker: 'caller', startMs: 1500, endMs: 4000, text: 'Mon imprimante ne répond plus.' },
        ],
        model: 'tiny',
        engine: 'whisper.cpp',
        status: 'draft',
        version: 1,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        validatedAt: null,
        validatedBy: null,
      };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('cwn-pwa');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction('transcripts', 'readwrite');
      tx.objectStore('transcripts').put({ transcript, cachedAt: Date.now() });
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
      const audio = new Uint8Array(wav);
      await (
        await caches.open('cwn-audio')
      ).put(
        `${apiUrl}/api/recordings/${recordingId}/audio`,
        new Response(audio, { headers: { 'Content-Type': 'audio/wav' } }),
      );
    },
    { apiUrl, tokens, wav: [...wav], callId: CALL_ID, recordingId: RECORDING_ID },
  );
}

describe('the call view on a phone (French)', () => {
  it('reads a transcript kept on the device, and a click on a segment seeks the audio there', async () => {
    const tokens = await server.userWithRole('manager');
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'Connexion' }).waitFor();
    await seedDevice(
      page,
      server.url(),
      tokens,
      speechWav('Bonjour, support informatique. Mon imprimante ne répond plus depuis ce matin.'),
    );

    await page.goto(`${site.url}/calls/${CALL_ID}`);
    await page.getByTestId('offline-copy').waitFor();
    expect(await page.getByTestId('segment').count()).toBe(2);

    await page.getByRole('button', { name: 'Lire à partir de 0:01' }).click();
    const audio = page.getByTestId('audio');
    await audio.waitFor();
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLAudioElement>('audio');
      return el !== null && el.readyState >= 1 && el.currentTime >= 1.5;
    });
    const time = await audio.evaluate((el: HTMLAudioElement) => el.currentTime);
    expect(time).toBeGreaterThanOrEqual(1.5);
    expect(time).toBeLessThan(4);
    // The segment playing is the one highlighted, for sighted users and screen readers alike.
    await page
      .locator('[data-testid="segment"][aria-current="true"]', { hasText: 'Mon imprimante' })
      .waitFor();
    expect(
      await page.getByRole('button', { name: 'Audio gardé sur cet appareil' }).isDisabled(),
    ).toBe(true);
  });

  it('keeps an edit made offline in the outbox, across an offline reload', async () => {
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await phone.context.setOffline(true);

    await page.getByRole('button', { name: 'Modifier' }).click();
    await page
      .getByRole('textbox', { name: 'Appelant 0:01' })
      .fill('Mon imprimante HP ne répond plus.');
    await page.getByRole('button', { name: 'Enregistrer' }).click();

    await page.getByTestId('outbox-pending').waitFor();
    expect(await page.getByTestId('outbox-pending').textContent()).toContain('1 modification(s)');
    await page.getByText('Mon imprimante HP ne répond plus.').waitFor();

    await page.reload();
    await page.getByTestId('offline-copy').waitFor();
    await page.getByText('Mon imprimante HP ne répond plus.').waitFor();
    await page.getByTestId('outbox-pending').waitFor();
    const queued = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('cwn-pwa');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const all = await new Promise<
        Array<{
          state: string;
          baseVersion: number;
          idempotencyKey: string;
          operation: { kind: string };
        }>
      >((resolve) => {
        const req = db.transaction('outbox').objectStore('outbox').getAll();
        req.onsuccess = () => resolve(req.result);
      });
      db.close();
      return all;
    });
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      state: 'pending',
      baseVersion: 1,
      operation: { kind: 'edit' },
    });
    expect(queued[0]!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });
});
