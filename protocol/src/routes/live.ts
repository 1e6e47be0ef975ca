import { z } from 'zod';
import {
  CloseLiveRecordingBody,
  LIVE_AUDIO_CONTENT_TYPE,
  LIVE_MAX_APPEND_BYTES,
  LiveAppendResult,
  LiveRecording,
  LiveTranscript,
  OpenLiveRecordingBody,
  WindowAudioQuery,
} from '../live';
import { Id } from '../common';
import { ErrorBody } from '../errors';
import { route } from './route';

const IdParams = z.object({ id: Id });

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});

const WAV_RESPONSE = {
  responses: {
    200: {
      description: 'One channel of the window, mono 16 kHz s16 WAV',
      content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
    },
    416: { description: 'The window reaches past the audio held' },
  },
};

export const liveRoutes = {
  openLiveRecording: route({
    method: 'post',
    path: '/api/calls/:id/live',
    summary:
      "Open the call's live recording (its agent only): 16 kHz s16le stereo, left the agent, right the caller. 201; a second open for the call: 409 live_recording_exists with its id and expected offset.",
    tags: ['live'],
    params: IdParams,
    body: OpenLiveRecordingBody,
    response: LiveRecording,
    status: 201,
  }),
  appendLiveAudio: route({
    method: 'put',
    path: '/api/live-recordings/:id/audio',
    summary: `Append PCM at Upload-Offset (application/octet-stream, whole 4-byte frames, at most ${LIVE_MAX_APPEND_BYTES} bytes). 200 once durable; the same bytes again: 200, duplicate, nothing changed; a gap or other bytes: 409 live_offset_mismatch with expectedOffset; closed: 409 live_recording_closed; Redis or the database away: 503 with Retry-After, nothing acknowledged.`,
    tags: ['live'],
    params: IdParams,
    response: LiveAppendResult,
    rawBody: [LIVE_AUDIO_CONTENT_TYPE],
    openapi: {
      parameters: [
        { name: 'Upload-Offset', in: 'header', required: true, schema: { type: 'integer' } },
      ],
      requestBody: {
        required: true,
        content: { [LIVE_AUDIO_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } },
      },
    },
  }),
  getLiveRecording: route({
    method: 'get',
    path: '/api/live-recordings/:id',
    summary:
      'Where a live recording stands: offset held (resume there after a cut), state, windows queued and done, cutOff.',
    tags: ['live'],
    params: IdParams,
    response: LiveRecording,
  }),
  closeLiveRecording: route({
    method: 'post',
    path: '/api/live-recordings/:id/close',
    summary:
      'Close the live recording at hang-up with the total bytes sent: 200 once the recording is stored (the transcript follows when the last windows are done); totalBytes other than what is held: 409 live_offset_mismatch with expectedOffset; repeated: the same answer.',
    tags: ['live'],
    params: IdParams,
    body: CloseLiveRecordingBody,
    response: LiveRecording,
  }),
  discardLiveRecording: route({
    method: 'delete',
    path: '/api/live-recordings/:id',
    summary:
      'Discard an open live recording ("don\'t record this call" mid-call), by its agent or an admin: 204 once its audio log, windows and segments are deleted and its waiting window jobs removed; it never becomes a recording and the call keeps its phone status. Another agent\'s: 403; closing or closed: 409 live_recording_closed (it is a recording: deleting the call is the privacy path); afterwards appends and close answer 410 live_recording_discarded. Audited.',
    tags: ['live'],
    params: IdParams,
    status: 204,
    openapi: {
      responses: {
        204: { description: 'Discarded: nothing of it is kept' },
        403: errorResponse("Another agent's live recording"),
        404: errorResponse('No such live recording'),
        409: errorResponse('live_recording_closed: closing or closed, it is a recording now'),
        410: errorResponse('live_recording_discarded: discarded already'),
        default: errorResponse('Error'),
      },
    },
  }),
  getLiveTranscript: route({
    method: 'get',
    path: '/api/calls/:id/live-transcript',
    summary:
      "The call's live transcript so far: segments of the windows transcribed, both channels merged by time.",
    tags: ['live'],
    params: IdParams,
    response: LiveTranscript,
  }),
  getLiveWindowAudio: route({
    method: 'get',
    path: '/internal/live-recordings/:id/window',
    summary:
      "A window's audio for a transcription worker: one channel's samples [start, end) as mono 16 kHz s16 WAV; 416 past what is held.",
    tags: ['internal'],
    params: IdParams,
    query: WindowAudioQuery,
    openapi: WAV_RESPONSE,
    rawResponse: 'audio/wav',
  }),
  getRecordingWindowAudio: route({
    method: 'get',
    path: '/internal/recordings/:id/window',
    summary:
      "A window of an uploaded recording for a transcription worker: one channel's samples [start, end) as mono 16 kHz s16 WAV; 416 past the end.",
    tags: ['internal'],
    params: IdParams,
    query: WindowAudioQuery,
    openapi: WAV_RESPONSE,
    rawResponse: 'audio/wav',
  }),
};
