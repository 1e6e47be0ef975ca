import type {
  Call,
  LiveSegmentsEvent,
  LiveTranscript,
  PrivacyReport,
  Segment,
  Transcript,
} from '@cwn/protocol';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, NetworkError } from '../api/errors';
import { applyWindow, emptyLive } from '../live/live-segments';
import { forgetAudio } from '../offline/audio-cache';
import type { OutboxOperation } from '../offline/outbox-entry';
import { services } from '../services';
import { useConnectivity } from './connectivity';

/** One call and its transcript; edits and validation go through the outbox, online or not. */
export const useCallView = defineStore('call', () => {
  const call = ref<Call | null>(null);
  const transcript = ref<Transcript | null>(null);
  const fromCache = ref(false);
  const error = ref<string | null>(null);
  const queued = ref(false);
  /** While the call is transcribed live (and until its transcript is ready): what came so far. */
  const live = ref<LiveTranscript | null>(null);

  /** The live transcript, when the call has one and no final transcript yet. */
  async function loadLive(callId: string): Promise<void> {
    try {
      const snapshot = await services().calls.liveTranscript(callId);
      if (call.value?.id === callId) live.value = snapshot;
    } catch (err) {
      // 404: not a live call. Anything else: the events still bring the next windows.
      if (err instanceof ApiError && err.status === 404) live.value = null;
    }
  }

  /** A transcribed window of a live call; ignored unless it is the call on screen. */
  function applyLive(event: LiveSegmentsEvent): void {
    if (call.value?.id !== event.callId || transcript.value) return;
    live.value = applyWindow(live.value ?? emptyLive(event), event);
  }

  async function open(callId: string): Promise<void> {
    error.value = null;
    queued.value = false;
    try {
      const detail = await services().calls.get(callId);
      call.value = detail.call;
      transcript.value = detail.transcript;
      fromCache.value = false;
      if (detail.transcript) {
        live.value = null;
        await services().transcriptCache.put(detail.transcript);
      } else {
        await loadLive(callId);
      }
    } catch (err) {
      const cached = await services().transcriptCache.byCall(callId);
      if (cached) {
        transcript.value = cached;
        fromCache.value = true;
      } else {
        error.value =
          err instanceof NetworkError ? null : err instanceof Error ? err.message : String(err);
      }
    }
  }

  async function change(
    apply: (t: Transcript) => Transcript,
    operation: OutboxOperation,
  ): Promise<void> {
    const t = transcript.value;
    if (!t) return;
    error.value = null;
    try {
      await services().outbox.enqueue(t.id, t.version, operation);
      transcript.value = apply(t);
      await services().transcriptCache.put(transcript.value);
      const connectivity = useConnectivity();
      await connectivity.sync();
      queued.value = connectivity.pending > 0;
      error.value = connectivity.lastError;
      const fresh = await services().transcriptCache.get(t.id);
      if (fresh && fresh.version >= transcript.value.version) transcript.value = fresh;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  const saveSegments = (segments: Segment[]) =>
    change((t) => ({ ...t, segments }), { kind: 'edit', segments });
  /** `organizationId`: the NinjaOne organization chosen in the picker (null: the server decides). */
  const validate = (organizationId: number | null = null) =>
    change((t) => ({ ...t, status: 'validated' }), { kind: 'validate', organizationId });

  /**
   * Deleting the call (managers, admins): `dryRun` answers what would go; the deletion itself also
   * drops what this device kept of the call (its transcript copy, its kept audio).
   */
  async function remove(dryRun: boolean): Promise<PrivacyReport | null> {
    const id = call.value?.id;
    if (!id) return null;
    error.value = null;
    try {
      const report = await services().calls.remove(id, dryRun);
      if (!dryRun) {
        await services().transcriptCache.forgetCall(id);
        if (transcript.value)
          await forgetAudio(services().calls.audioUrl(transcript.value.recordingId));
        call.value = null;
        transcript.value = null;
      }
      return report;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  return {
    call,
    transcript,
    live,
    fromCache,
    error,
    queued,
    open,
    applyLive,
    saveSegments,
    validate,
    remove,
  };
});
