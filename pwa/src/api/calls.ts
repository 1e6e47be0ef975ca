import type { ListCallsQuery } from '@cwn/protocol';
import type { ApiClient } from './http';

/** The query as sent (the server fills in the defaults, such as `limit`). */
export type CallsQuery = Omit<ListCallsQuery, 'limit'> & { limit?: number };

export const callsApi = (api: ApiClient) => ({
  list: (query: CallsQuery) => api.listCalls({ query }),
  /** The active agents, for the inbox's agent filter (supervisors, managers and admins). */
  agents: () => api.listAgents(),
  get: (id: string) => api.getCall({ params: { id } }),
  transcript: (id: string) => api.getCallTranscript({ params: { id } }),
  /** What a live call's transcript holds so far (404 when the call is not streamed live). */
  liveTranscript: (id: string) => api.getLiveTranscript({ params: { id } }),
  audioUrl: (recordingId: string) => api.url('getRecordingAudio', { params: { id: recordingId } }),
  /** Deletes the call with its audio, transcript and ticket rows (managers, admins); dryRun: what would go. */
  remove: (id: string, dryRun: boolean) =>
    api.deleteCall({ params: { id }, query: { dryRun: dryRun ? 'true' : 'false' } }),
  waveformUrl: (recordingId: string) =>
    api.url('getRecordingWaveform', { params: { id: recordingId } }),
});
export type CallsApi = ReturnType<typeof callsApi>;
