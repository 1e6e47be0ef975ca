import {
  WhisperEngineKeyQuery,
  WhisperEngineKeyResponse,
  WhisperEngineTestBody,
  WhisperEngineTestResult,
  WhisperSettingsUpdate,
  WhisperSettingsView,
} from '../whisper';
import { route } from './route';

export const whisperRoutes = {
  getWhisperSettings: route({
    method: 'get',
    path: '/api/admin/whisper',
    summary:
      'The Whisper settings in force (null: each worker’s environment applies); whether an API key is set, never the key',
    tags: ['settings'],
    response: WhisperSettingsView,
  }),
  putWhisperSettings: route({
    method: 'put',
    path: '/api/admin/whisper',
    summary:
      'Change the Whisper settings (and the engine); the next call’s jobs carry them. An absent or empty apiKey keeps the stored key',
    tags: ['settings'],
    body: WhisperSettingsUpdate,
    response: WhisperSettingsView,
  }),
  resetWhisperSettings: route({
    method: 'delete',
    path: '/api/admin/whisper',
    summary:
      'Forget the stored Whisper settings: each worker’s environment applies again (the API key stays until removed)',
    tags: ['settings'],
    response: WhisperSettingsView,
  }),
  deleteWhisperKey: route({
    method: 'delete',
    path: '/api/admin/whisper/key',
    summary: 'Remove the stored API key of the OpenAI-compatible engine',
    tags: ['settings'],
    response: WhisperSettingsView,
  }),
  testWhisper: route({
    method: 'post',
    path: '/api/admin/whisper/test',
    summary:
      'Connection test: send one second of silence to an OpenAI-compatible endpoint (the form’s key, or the stored one for the saved URL) and say how it answered',
    tags: ['settings'],
    body: WhisperEngineTestBody,
    response: WhisperEngineTestResult,
  }),
  getWhisperEngineKey: route({
    method: 'get',
    path: '/internal/whisper-engine-key',
    summary:
      'For a transcription worker: the API key of the engine the Whisper settings name, only when `url` is that engine’s URL (else null)',
    tags: ['internal'],
    query: WhisperEngineKeyQuery,
    response: WhisperEngineKeyResponse,
  }),
};
