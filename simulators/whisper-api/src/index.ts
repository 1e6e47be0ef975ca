// @cwn/whisper-api-sim: a fake OpenAI-compatible Whisper server for the worker's second engine.
export * from './sim';
export {
  decodeWav,
  speechRegions,
  DEFAULT_SPEECH,
  type HeardAudio,
  type SpeechOptions,
} from './audio';
export { WHISPER_LANGUAGES, languageName } from './languages';
