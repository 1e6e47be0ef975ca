import { z } from 'zod';
import {
  WAV_CONTENT_TYPES,
  UPLOAD_CHUNK_CONTENT_TYPE,
  UploadRecordingQuery,
  UploadRecordingResponse,
  UploadSession,
} from '../recordings';
import { Id } from '../common';
import { route } from './route';

const IdParams = z.object({ id: Id });

const AUDIO_RESPONSE = {
  responses: {
    200: {
      description: 'The whole WAV',
      content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
    },
    206: {
      description: 'The requested byte range (Range: bytes=a-b)',
      content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
    },
  },
};

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: true,
  description: 'Same key from the same agent → the same recording (8-128 of [A-Za-z0-9._:-]).',
  schema: { type: 'string' },
};

const RAW_WAV_BODY = {
  required: true,
  content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
};

export const recordingsRoutes = {
  getRecordingAudio: route({
    method: 'get',
    path: '/api/recordings/:id/audio',
    summary:
      'The decrypted WAV, with HTTP Range support (206) for seeking; agents only their own calls (else 404). Every access is audited.',
    tags: ['recordings'],
    params: IdParams,
    openapi: AUDIO_RESPONSE,
    rawResponse: 'audio/wav',
  }),
  getInternalRecordingAudio: route({
    method: 'get',
    path: '/internal/recordings/:id/audio',
    summary: 'The decrypted WAV for a transcription worker (Range supported); 404 is permanent.',
    tags: ['internal'],
    params: IdParams,
    openapi: AUDIO_RESPONSE,
    rawResponse: 'audio/wav',
  }),
  getRecordingWaveform: route({
    rawResponse: 'image/png',
    method: 'get',
    path: '/api/recordings/:id/waveform.png',
    summary:
      'A waveform picture of the recording (PNG, one row per channel: agent, then caller); cached',
    tags: ['recordings'],
    params: IdParams,
    openapi: {
      responses: {
        200: {
          description: 'PNG',
          content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
        },
      },
    },
  }),
  uploadRecording: route({
    method: 'post',
    path: '/api/upload-recording',
    summary:
      'Upload a finished recording in one request: the raw WAV as the body (streamed, validated, encrypted), metadata in the query. 201 when stored, 200 with the earlier recording when the Idempotency-Key was already used; 400/413/415 say what is wrong with the file.',
    tags: ['recordings'],
    query: UploadRecordingQuery,
    response: UploadRecordingResponse,
    status: 201,
    rawBody: WAV_CONTENT_TYPES,
    openapi: {
      parameters: [IDEMPOTENCY_HEADER],
      requestBody: RAW_WAV_BODY,
    },
  }),
  createUpload: route({
    method: 'post',
    path: '/api/uploads',
    summary:
      'Start a resumable upload: the same query as /api/upload-recording, headers Upload-Length and Idempotency-Key. 201 with the session (Location, Upload-Offset); the same key again returns it (200) with its current offset.',
    tags: ['recordings'],
    query: UploadRecordingQuery,
    response: UploadSession,
    status: 201,
    openapi: {
      parameters: [
        IDEMPOTENCY_HEADER,
        { name: 'Upload-Length', in: 'header', required: true, schema: { type: 'integer' } },
      ],
    },
  }),
  getUpload: route({
    method: 'get',
    path: '/api/uploads/:id',
    summary:
      'Where a resumable upload stands (also as HEAD): Upload-Offset is the byte to send next.',
    tags: ['recordings'],
    params: IdParams,
    response: UploadSession,
  }),
  appendUpload: route({
    method: 'patch',
    path: '/api/uploads/:id',
    summary:
      "Append bytes at Upload-Offset (Content-Type: application/offset+octet-stream). A PATCH is kept whole or not at all; 204 with the new Upload-Offset, or, for the PATCH that completes the file, 201 with the stored recording (validation errors as for /api/upload-recording). 409 when Upload-Offset is not the server's (ask with HEAD).",
    tags: ['recordings'],
    params: IdParams,
    response: UploadRecordingResponse,
    status: 201,
    rawBody: [UPLOAD_CHUNK_CONTENT_TYPE],
    openapi: {
      parameters: [
        { name: 'Upload-Offset', in: 'header', required: true, schema: { type: 'integer' } },
      ],
      requestBody: {
        required: true,
        content: {
          [UPLOAD_CHUNK_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } },
        },
      },
    },
  }),
  cancelUpload: route({
    method: 'delete',
    path: '/api/uploads/:id',
    summary: 'Abandon a resumable upload (its staged bytes are deleted)',
    tags: ['recordings'],
    params: IdParams,
    status: 204,
  }),
};
