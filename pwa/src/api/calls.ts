import {
  AgentList,
  CallDetail,
  CallList,
  CallTranscript,
  LiveTranscript,
  PrivacyReport,
  type ListCallsQuery,
} from '@cwn/protocol';
import type { HttpClient } from './http';

/** The query as sent (the server fills in the defaults, such as `limit`). */
export type CallsQuery = Omit<ListCallsQuery, 'limit'> & { limit?: number };

export const callsApi = (http: HttpClient) => ({
  list: (query: CallsQuery) => http.json(CallList, '/api/calls', { query }),
  /** The active agents, for the inbox's agent filter (supervisors, managers and admins). */
  agents: () => http.json(AgentList, '/api/agents'),
  get: (id: string) => http.json(CallDetail, `/api/calls/${encodeURIComponent(id)}`),
  transcript: (id: string) =>
    http.json(CallTranscript, `/api/calls/${encodeURIComponent(id)}/transcript`),
  /** What a live call's transcript holds so far (404 when the call is not streamed live). */
  liveTranscript: (id: string) =>
    http.json(LiveTranscript, `/api/calls/${encodeURIComponent(id)}/live-transcript`),
  audioUrl: (recordingId: string) =>
    http.url(`/api/recordings/${encodeURIComponent(recordingId)}/audio`),
  /** Deletes the call with its audio, transcript and ticket rows (managers, admins); dryRun: what would go. */
  remove: (id: string, dryRun: boolean) =>
    http.json(PrivacyReport, `/api/calls/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      query: { dryRun: String(dryRun) },
    }),
  waveformUrl: (recordingId: string) =>
    http.url(`/api/recordings/${encodeURIComponent(recordingId)}/waveform.png`),
});
export type CallsApi = ReturnType<typeof callsApi>;
