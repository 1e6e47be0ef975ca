import { Call } from '@cwn/protocol';
import { CallList, CallTranscript, type ListCallsQuery } from './contracts';
import type { HttpClient } from './http';

export const callsApi = (http: HttpClient) => ({
  list: (query: ListCallsQuery) => http.json(CallList, '/api/calls', { query }),
  get: (id: string) => http.json(Call, `/api/calls/${encodeURIComponent(id)}`),
  transcript: (id: string) => http.json(CallTranscript, `/api/calls/${encodeURIComponent(id)}/transcript`),
  audioUrl: (recordingId: string) => http.url(`/api/recordings/${encodeURIComponent(recordingId)}/audio`),
});
export type CallsApi = ReturnType<typeof callsApi>;
