/**
 * The tab-capture fallback, service-worker side: which tabs are under tab capture (the offscreen
 * document's port per tab), which page port records the microphone there, and the start/stop
 * commands for calls the page hook cannot see (a call that is up with no peer connection).
 */
import type { CaptureCommand } from '../shared/messages';
import type { CallTracker } from './call-tracker';
import type { Runtime } from '../shared/browser';

export class TabCaptureDriver {
  private readonly capturePorts = new Map<number, Runtime.Port>();
  private readonly pagePorts = new Map<number, Runtime.Port>();
  private readonly stopSent = new Set<string>();

  /** The offscreen document records this tab's audio through `port`. */
  addCapture(tabId: number, port: Runtime.Port): void {
    this.capturePorts.set(tabId, port);
    port.onDisconnect.addListener(() => {
      if (this.capturePorts.get(tabId) === port) this.capturePorts.delete(tabId);
    });
  }

  /** The page's bridge (the agent's microphone in fallback mode) is reached through `port`. */
  addPage(tabId: number, port: Runtime.Port): void {
    this.pagePorts.set(tabId, port);
    port.onDisconnect.addListener(() => {
      if (this.pagePorts.get(tabId) === port) this.pagePorts.delete(tabId);
    });
  }

  capturedTabs(): number[] {
    return [...this.capturePorts.keys()];
  }

  /** Starts recording the calls of a captured tab that have no media, stops the ended ones. */
  drive(tracker: CallTracker, tabId: number): void {
    const port = this.capturePorts.get(tabId);
    if (!port) return;
    const command = (action: CaptureCommand['action'], pcId: string) => {
      const message: CaptureCommand = { type: 'capture-call', action, pcId };
      port.postMessage(message);
      this.pagePorts.get(tabId)?.postMessage(message);
    };
    for (const call of tracker.callsWithoutMedia(tabId)) {
      const pcId = `tab-${crypto.randomUUID()}`;
      tracker.attachPc(call.key, pcId);
      command('start', pcId);
    }
    for (const call of tracker.all()) {
      if (call.tabId !== tabId || call.status !== 'ended') continue;
      for (const pcId of call.pcIds) {
        if (!pcId.startsWith('tab-') || call.closedPcIds.includes(pcId) || this.stopSent.has(pcId))
          continue;
        this.stopSent.add(pcId);
        command('stop', pcId);
      }
    }
  }
}
