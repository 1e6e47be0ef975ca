/**
 * The service worker: receives the page's events over runtime ports, drives the call tracker,
 * stores every chunk in IndexedDB before acknowledging it, shows the recording badge, converts
 * finished calls in the offscreen document and runs the upload queue. Everything it needs after a
 * restart is in IndexedDB; in-memory state is only a cache of it.
 */
import { PageMessage, UiRequest, type Ack } from '../shared/messages';
import { ChunkStore, StateStore, openCwnDb, type Db, type UploadItem } from '../shared/db';
import { fromBase64 } from '../shared/base64';
import {
  SETTINGS_KEY,
  loadManagedSettings,
  loadSettings,
  matchPatternFor,
} from '../shared/settings';
import { accessToken, currentUser, login, logout } from './auth';
import { CallReporter, httpCallsApi } from './call-reporter';
import { CallTracker, FINISH_GRACE_MS, type TrackedCall } from './call-tracker';
import { HttpRecordingTransport } from './http-transport';
import {
  convertInOffscreen,
  produceLiveInOffscreen,
  startTabCaptureInOffscreen,
} from './offscreen-client';
import { LIVE_ENABLED_KEY, LiveStreamer, httpLiveApi, liveEnabled } from './live-streamer';
import { pbxTabs, registerContentScripts, reloadPbxTabs } from './registration';
import { TabCaptureDriver } from './tab-capture-driver';
import { UploadQueue } from './upload-queue';
import { browser, type Runtime } from '../shared/browser';

const TICK_ALARM = 'cwn-tick';
const SESSION_MARKER = 'cwn-browser-session';

/** Tab-capture fallback: ports per tab and the commands for calls the hook cannot see. */
const tabCapture = new TabCaptureDriver();

interface Runtime {
  db: Db;
  chunks: ChunkStore;
  state: StateStore;
  tracker: CallTracker;
  uploads: UploadQueue;
  reporter: CallReporter;
  live: LiveStreamer;
}

let runtimePromise: Promise<Runtime> | null = null;
function runtime(): Promise<Runtime> {
  runtimePromise ??= (async () => {
    const db = await openCwnDb();
    const state = new StateStore(db);
    const tracker = new CallTracker((await state.load()) ?? { calls: [] });
    // storage.session outlives worker restarts but not the browser: without the marker this is a
    // new browser session, and every call still open was cut off by the restart.
    if (!(await browser.storage.session.get(SESSION_MARKER))[SESSION_MARKER]) {
      tracker.endAll(Date.now());
      await state.save(tracker.snapshot());
      await browser.storage.session.set({ [SESSION_MARKER]: true });
      // Their recorders will never report again: finish them once the grace period is over.
      setTimeout(() => void tick(), FINISH_GRACE_MS + 500);
    }
    const serverUrl = async () => {
      const { serverUrl } = await loadSettings();
      if (!serverUrl) throw new Error('no server URL');
      return serverUrl;
    };
    const transport = new HttpRecordingTransport(serverUrl, accessToken);
    const reporter = new CallReporter(httpCallsApi(serverUrl, accessToken));
    const uploads = new UploadQueue(db, transport);
    const live = new LiveStreamer({
      db,
      api: httpLiveApi(serverUrl, accessToken),
      produce: produceLiveInOffscreen,
      activeCalls: () => tracker.all(),
      finishingCalls: async () =>
        (await db.getAllFromIndex('uploads', 'byStatus', 'streaming')).map((i) => i.call),
      serverCallId: (call) => reporter.serverIdOf(call.key),
      closed: (call, serverCallId, recordingId) => liveClosed(call.key, serverCallId, recordingId),
      fallBack: (call) => liveFallBack(call.key),
      enabled: async () =>
        liveEnabled((await browser.storage.local.get(LIVE_ENABLED_KEY))[LIVE_ENABLED_KEY]),
    });
    return { db, chunks: new ChunkStore(db), state, tracker, uploads, reporter, live };
  })();
  return runtimePromise;
}

/** Every tracker mutation runs here, one at a time, and is persisted before the next. */
let serial: Promise<unknown> = Promise.resolve();
function exclusive<T>(work: (rt: Runtime) => Promise<T>): Promise<T> {
  const run = serial.then(async () => work(await runtime()));
  serial = run.catch((err: unknown) => console.error('[cwn]', err));
  return run;
}

async function updateBadge(tracker: CallTracker): Promise<void> {
  const recording = tracker.isRecording();
  await browser.action.setBadgeText({ text: recording ? 'REC' : '' });
  await browser.action.setBadgeBackgroundColor({ color: '#c62828' });
  await browser.action.setTitle({
    title: recording ? 'Recording the current call' : '3CX call recorder',
  });
}

async function handlePageMessage(rt: Runtime, tabId: number, msg: PageMessage): Promise<void> {
  const { tracker } = rt;
  switch (msg.type) {
    case 'hello':
      break;
    case 'pbx':
      tracker.onPbx(tabId, msg.items, msg.at);
      break;
    case 'dom-calls':
      tracker.onDomCalls(tabId, msg.calls);
      break;
    case 'pc-created':
      tracker.onPcCreated(tabId, msg.pcId, msg.at);
      break;
    case 'pc-state':
      tracker.onPcState(msg.pcId, msg.state, msg.at);
      break;
    case 'hold':
      tracker.onHold(msg.pcId, msg.held, msg.at);
      break;
    case 'pc-segment':
      tracker.onPcSegment(msg.parentPcId, msg.pcId);
      break;
    case 'recorder-started':
      tracker.onRecorderStarted(msg.pcId, msg.side, msg.at);
      break;
    case 'recorder-stopped':
      tracker.onRecorderStopped(msg.pcId, msg.side, msg.chunks, msg.at);
      break;
    case 'chunk':
      if (tracker.acceptsChunk(msg.pcId, msg.side)) {
        await rt.chunks.put({
          pcId: msg.pcId,
          side: msg.side,
          seq: msg.seq,
          at: msg.at,
          data: fromBase64(msg.base64),
        });
        tracker.onChunkStored(msg.pcId, msg.side, msg.seq);
      }
      break;
  }
  tabCapture.drive(tracker, tabId);
  rt.reporter.sync(tracker.all());
  await finishCalls(rt);
  if (tracker.isRecording()) rt.live.kick();
  await rt.state.save(tracker.snapshot());
  await updateBadge(tracker);
}

async function deleteChunks(rt: Runtime, call: TrackedCall): Promise<void> {
  for (const pcId of call.pcIds) await rt.chunks.deletePc(pcId);
}

/**
 * Moves finished calls into the upload queue: a call streamed live as 'streaming' (its tail is
 * sent and the live recording closed), any other as 'converting' for the whole-call upload.
 */
async function finishCalls(rt: Runtime): Promise<void> {
  for (const call of rt.tracker.takeFinished(Date.now())) {
    if (call.doNotRecord || call.recorders.length === 0) {
      await deleteChunks(rt, call);
      await rt.live.forget(call.key);
      continue;
    }
    const live = await rt.live.store.get(call.key);
    const streaming = live?.state === 'open';
    if (live && !streaming)
      await rt.live.store.update(call.key, (s) => ({ ...s, state: 'fallback' }));
    const item: UploadItem = {
      id: call.key,
      call,
      status: streaming ? 'streaming' : 'converting',
      wav: null,
      sha256: null,
      sizeBytes: 0,
      durationMs: 0,
      attempts: 0,
      nextAttemptAt: Date.now(),
      lastError: null,
      sessionUrl: null,
      serverCallId: null,
      serverRecordingId: null,
      updatedAt: Date.now(),
    };
    await rt.uploads.put(item);
    if (streaming) rt.live.kick();
    else void convertAndUpload(call.key);
  }
}

/** The live recording is closed on the server: the call's recording is there. */
async function liveClosed(
  callKey: string,
  serverCallId: string,
  recordingId: string | null,
): Promise<void> {
  await exclusive(async (rt) => {
    const item = await rt.uploads.get(callKey);
    if (!item) return;
    await rt.uploads.put({
      ...item,
      status: 'done',
      wav: null,
      lastError: null,
      serverCallId,
      serverRecordingId: recordingId,
    });
    await deleteChunks(rt, item.call);
  });
}

/** The live stream cannot be completed: the whole-call upload takes the call over. */
async function liveFallBack(callKey: string): Promise<void> {
  const rt = await runtime();
  const item = await rt.uploads.get(callKey);
  if (item?.status !== 'streaming') return;
  await rt.uploads.put({ ...item, status: 'converting' });
  void convertAndUpload(callKey);
}

async function convertAndUpload(callKey: string): Promise<void> {
  const rt = await runtime();
  const result = await convertInOffscreen(callKey).catch((err: unknown) => ({
    ok: false as const,
    error: err instanceof Error ? err.message : String(err),
  }));
  const item = await rt.uploads.get(callKey);
  if (!item) return;
  if (!result.ok) {
    await rt.uploads.put({
      ...item,
      status: 'failed',
      lastError: `conversion failed: ${result.error}`,
    });
    return;
  }
  // The WAV is stored: the chunks are no longer needed.
  await exclusive((r) => deleteChunks(r, item.call));
  await runUploads();
}

async function runUploads(): Promise<void> {
  const rt = await runtime();
  const next = await rt.uploads.runDue();
  if (next !== null) {
    // Short waits with a timer while the worker lives; the alarm catches up after a restart.
    const delay = Math.max(0, next - Date.now());
    if (delay < 60_000) setTimeout(() => void runUploads(), delay + 50);
  }
}

async function tick(): Promise<void> {
  await exclusive(async (rt) => {
    await finishCalls(rt);
    await rt.state.save(rt.tracker.snapshot());
    await updateBadge(rt.tracker);
  });
  const rt = await runtime();
  // Conversions interrupted by a restart start again.
  for (const item of await rt.db.getAllFromIndex('uploads', 'byStatus', 'converting')) {
    if (Date.now() - item.updatedAt > 30_000) void convertAndUpload(item.id);
  }
  rt.live.kick();
  await runUploads();
}

function listenToPage(port: Runtime.Port, tabId: number): void {
  port.onMessage.addListener((raw: unknown) => {
    const parsed = PageMessage.safeParse(raw);
    if (!parsed.success) {
      console.warn('[cwn] dropped an invalid page message:', parsed.error.issues[0]?.message);
      return;
    }
    const msg = parsed.data;
    void exclusive((rt) => handlePageMessage(rt, tabId, msg)).then(() => {
      const ack: Ack = { type: 'ack', n: msg.n };
      try {
        port.postMessage(ack);
      } catch {
        // The page went away; it resends what was not acknowledged when it reconnects.
      }
    });
  });
}

async function status() {
  const rt = await runtime();
  const settings = await loadSettings();
  return {
    settings,
    /** The settings an administrator set by policy: shown read-only. */
    managed: Object.keys(await loadManagedSettings()),
    user: await currentUser(),
    pbxTabFound: (await pbxTabs()).length > 0,
    /** With the server's id once reported: the popup follows the call's live transcript by it. */
    calls: await Promise.all(
      rt.tracker.active().map(async (call) => ({
        ...call,
        serverCallId: await rt.reporter.serverIdOf(call.key),
      })),
    ),
    tabCapture: tabCapture.capturedTabs(),
    uploads: await rt.uploads.list(),
  };
}
export type StatusSnapshot = Awaited<ReturnType<typeof status>>;

async function handleUi(req: UiRequest): Promise<unknown> {
  switch (req.type) {
    case 'status':
      return status();
    case 'login':
      return { user: (await login(req.email, req.password)).user };
    case 'logout':
      await logout();
      return { ok: true };
    case 'save-settings': {
      await browser.storage.local.set({
        [SETTINGS_KEY]: { serverUrl: req.serverUrl, pbxUrl: req.pbxUrl },
      });
      const registered = await registerContentScripts();
      return {
        registered,
        pattern: matchPatternFor(req.pbxUrl),
        reloadedTabs: registered ? await reloadPbxTabs() : 0,
      };
    }
    case 'do-not-record':
      return exclusive(async (rt) => {
        const call = rt.tracker.setDoNotRecord(req.callKey, req.value);
        if (call && req.value) {
          await deleteChunks(rt, call);
          // What the server already holds of a call streamed live is deleted there too.
          await rt.live.discard(call.key);
        }
        await rt.state.save(rt.tracker.snapshot());
        await updateBadge(rt.tracker);
        return { ok: !!call };
      });
    case 'server-session': {
      const { serverUrl } = await loadSettings();
      if (!serverUrl || !(await currentUser())) return null;
      return { serverUrl: serverUrl.replace(/\/+$/, ''), accessToken: await accessToken() };
    }
    case 'tab-capture': {
      const [tab] = await pbxTabs();
      if (tab?.id === undefined) throw new Error('no 3CX web client tab is open');
      // tabCapture is not in the polyfill's API: chrome.* directly.
      const streamId = await chrome.tabCapture.getMediaStreamId({ targetTabId: tab.id });
      await startTabCaptureInOffscreen(tab.id, streamId);
      return { tabId: tab.id };
    }
    case 'retry-upload':
      await (await runtime()).uploads.retry(req.id);
      void runUploads();
      return { ok: true };
  }
}

/** Registers every listener: called once by the WXT entrypoint (background/index.ts). */
export function startServiceWorker(): void {
  browser.runtime.onConnect.addListener((port) => {
    const capture = /^capture:(\d+)$/.exec(port.name);
    const fromExtension =
      port.sender?.id === browser.runtime.id &&
      !!port.sender.url?.startsWith(browser.runtime.getURL(''));
    if (capture && fromExtension) {
      const captureTab = Number(capture[1]);
      tabCapture.addCapture(captureTab, port);
      listenToPage(port, captureTab);
      void exclusive(async (rt) => tabCapture.drive(rt.tracker, captureTab));
      return;
    }
    if (port.name !== 'page') return;
    const tabId = port.sender?.tab?.id;
    if (tabId === undefined) {
      port.disconnect();
      return;
    }
    tabCapture.addPage(tabId, port);
    listenToPage(port, tabId);
  });

  browser.tabs.onRemoved.addListener((tabId) => {
    void exclusive(async (rt) => {
      rt.tracker.endTab(tabId, Date.now());
      rt.reporter.sync(rt.tracker.all());
      await rt.state.save(rt.tracker.snapshot());
      await updateBadge(rt.tracker);
    });
  });

  browser.runtime.onInstalled.addListener(() => {
    void (async () => {
      await registerContentScripts();
      await reloadPbxTabs();
    })();
  });

  browser.runtime.onStartup.addListener(() => void tick());

  browser.storage.onChanged.addListener((changes, area) => {
    // An administrator's policy (managed storage) changes the settings as the options page does.
    if ((area === 'local' && changes[SETTINGS_KEY]) || area === 'managed')
      void registerContentScripts();
  });

  void browser.alarms.create(TICK_ALARM, { periodInMinutes: 0.5 });

  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === TICK_ALARM) void tick();
  });

  // The polyfill's way: the listener's promise is the answer; undefined leaves the message to others.
  browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) => {
    // Only the extension's own pages (popup, options) may ask; content scripts use their port.
    if (sender.id !== browser.runtime.id || !sender.url?.startsWith(browser.runtime.getURL('')))
      return undefined;
    const parsed = UiRequest.safeParse(raw);
    if (!parsed.success) return undefined;
    return handleUi(parsed.data).then(
      (result) => ({ ok: true, result }),
      (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });

  // A worker restart: pick up whatever waits.
  void tick();
}
