import {
  AgentList,
  CallDetail,
  CallList,
  CallTranscript,
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
  audioUrl: (recordingId: string) =>
    http.url(`/api/recordings/${encodeURIComponent(recordingId)}/audio`),
  waveformUrl: (recordingId: string) =>
    http.url(`/api/recordings/${encodeURIComponent(recordingId)}/waveform.png`),
});
export type CallsApi = ReturnType<typeof callsApi>;
