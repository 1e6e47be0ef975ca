/**
 * Opens the one offscreen document on demand and asks it to convert a call. The polyfill has no
 * `offscreen` namespace nor `runtime.getContexts`: those are `chrome.*` (Chromium only).
 */
import { ConvertResult, type ConvertRequest, type TabCaptureStart } from '../shared/messages';
import { browser } from '../shared/browser';

const OFFSCREEN_PATH = 'offscreen/offscreen.html';
let creating: Promise<void> | null = null;

async function ensureOffscreen(): Promise<void> {
  const url = browser.runtime.getURL(OFFSCREEN_PATH);
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [url],
  });
  if (contexts.length) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_PATH,
      reasons: [chrome.offscreen.Reason.WORKERS, chrome.offscreen.Reason.USER_MEDIA],
      justification:
        'ffmpeg.wasm resamples call recordings into one WAV; the tab-capture fallback records there',
    })
    .finally(() => (creating = null));
  await creating;
}

export async function convertInOffscreen(callKey: string): Promise<ConvertResult> {
  await ensureOffscreen();
  const request: ConvertRequest = { target: 'offscreen', type: 'convert', callKey };
  const answer: unknown = await browser.runtime.sendMessage(request);
  const parsed = ConvertResult.safeParse(answer);
  return parsed.success
    ? parsed.data
    : { ok: false, error: 'the offscreen document gave no answer' };
}

export async function startTabCaptureInOffscreen(tabId: number, streamId: string): Promise<void> {
  await ensureOffscreen();
  const request: TabCaptureStart = {
    target: 'offscreen',
    type: 'tab-capture-start',
    tabId,
    streamId,
  };
  const answer = (await browser.runtime.sendMessage(request)) as
    { ok: boolean; error?: string } | undefined;
  if (!answer?.ok) throw new Error(answer?.error ?? 'the offscreen document gave no answer');
}
