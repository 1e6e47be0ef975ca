import { z } from 'zod';
import { SettingSource } from './settings';

/**
 * Whisper's prompt holds at most 224 tokens (half its 448-token text context); whisper.cpp keeps
 * only the last ones of a longer prompt, which would drop the most specific words we put first.
 */
export const WHISPER_PROMPT_MAX_TOKENS = 224;

/** "auto" (detect) or an ISO 639-1/639-2 code, as the workers' WHISPER_LANGUAGE takes. */
export const WhisperLanguage = z
  .string()
  .regex(/^(auto|[a-z]{2,3})$/, { message: 'expected "auto" or an ISO 639-1 code such as fr' });

/** A model as the workers announce it (ggml-<name>.bin in their MODELS_DIR, or the API's model). */
export const WhisperModelName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, { message: 'a model name: letters, digits, . _ : - only' });

/**
 * The URL of an OpenAI-compatible transcription endpoint: http or https, no credentials in it (the
 * key is kept apart, write-only). A bare server URL means its `/v1/audio/transcriptions`.
 */
export const WhisperApiUrl = z
  .string()
  .max(2000)
  .refine(
    (raw) => {
      try {
        const u = new URL(raw);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    {
      message:
        'expected an http:// or https:// URL without credentials, e.g. http://whisper:8000/v1/audio/transcriptions',
    },
  );

/**
 * The engine the admins choose for every call (decision 1612): an OpenAI-compatible Whisper server
 * the customer runs. Null: each worker's own engine (the built-in whisper.cpp). The API key is not
 * here: it is stored sealed on the server and fetched by the workers, never carried by a job.
 */
export const WhisperEngineChoice = z.strictObject({
  kind: z.literal('openai-compatible'),
  url: WhisperApiUrl,
  /** Sent as the request's `model`, e.g. whisper-1 or Systran/faster-whisper-large-v3. */
  model: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:/-]+$/, { message: 'a model name: letters, digits, . _ : / - only' }),
});
export type WhisperEngineChoice = z.infer<typeof WhisperEngineChoice>;

/**
 * The Whisper settings an admin chooses in `/admin/whisper` (`PUT /api/admin/whisper`). Each field
 * null means "each worker's own environment" (WHISPER_LANGUAGE, WHISPER_PROMPT, …): the defaults.
 */
export const WhisperSettings = z.strictObject({
  language: WhisperLanguage.nullable(),
  /** The admins' vocabulary: product names, customers, jargon (Whisper's initial prompt). */
  prompt: z.string().max(1000).nullable(),
  /** Skip silence with the energy voice detection before Whisper. */
  vad: z.boolean().nullable(),
  /** 0: only loud, clear speech counts; 100: nearly any sound does; 50: the worker's default. */
  vadSensitivity: z.number().int().min(0).max(100).nullable(),
  /** Whisper's temperature fallback step; 0 turns the fallback off. */
  temperatureInc: z.number().min(0).max(1).nullable(),
  /** One of the models the online workers announce. */
  model: WhisperModelName.nullable(),
  /** Null (or left out): the built-in whisper.cpp of each worker; else the API server chosen. */
  engine: WhisperEngineChoice.nullable().default(null),
});
export type WhisperSettings = z.infer<typeof WhisperSettings>;

/** The API key, write-only: absent or empty keeps the stored one (DELETE …/key removes it). */
export const WhisperApiKey = z
  .string()
  .max(1000)
  .regex(/^[\x21-\x7e]*$/, { message: 'the key holds spaces, control or non-ASCII characters' });

/** `PUT /api/admin/whisper`: the settings, and optionally a new API key. */
export const WhisperSettingsUpdate = WhisperSettings.extend({
  apiKey: WhisperApiKey.optional(),
});
export type WhisperSettingsUpdate = z.input<typeof WhisperSettingsUpdate>;

/**
 * `POST /api/admin/whisper/test`: the server sends one second of silence to the endpoint and says
 * how it answered. `apiKey` absent or empty: the stored key, and only when `url` is the saved one.
 */
export const WhisperEngineTestBody = z.strictObject({
  url: WhisperApiUrl,
  model: WhisperEngineChoice.shape.model,
  apiKey: WhisperApiKey.optional(),
});
export type WhisperEngineTestBody = z.input<typeof WhisperEngineTestBody>;
export const WhisperEngineTestResult = z.object({
  ok: z.boolean(),
  /** The endpoint's HTTP status; null when it could not be reached. */
  status: z.number().int().nullable(),
  /** The endpoint posted to (a bare server URL gets /v1/audio/transcriptions). */
  endpoint: z.string(),
  /** What happened, in English, never the key nor the server's own text. */
  message: z.string(),
});
export type WhisperEngineTestResult = z.infer<typeof WhisperEngineTestResult>;

/** A bare server URL means its /v1/audio/transcriptions; one ending in /v1 its /audio/transcriptions. */
export function whisperApiEndpoint(raw: string): string {
  const u = new URL(raw);
  const path = u.pathname.replace(/\/+$/, '');
  if (path === '') u.pathname = '/v1/audio/transcriptions';
  else if (path.endsWith('/v1')) u.pathname = `${path}/audio/transcriptions`;
  return u.toString();
}

/** `GET /internal/whisper-engine-key?url=`: the key, only for the URL the settings name. */
export const WhisperEngineKeyQuery = z.strictObject({ url: z.string().min(1).max(2000) });
export const WhisperEngineKeyResponse = z.object({ apiKey: z.string().nullable() });
export type WhisperEngineKeyResponse = z.infer<typeof WhisperEngineKeyResponse>;

/** The settings a job carries (optional: jobs queued by older servers have none). */
export const JobWhisperSettings = WhisperSettings.extend({
  /**
   * Proper nouns for this call from NinjaOne (the matched organization's name, its contacts and
   * devices), most specific first; they go before the admins' prompt, bounded to what Whisper's
   * prompt holds.
   */
  vocabulary: z.array(z.string().min(1).max(200)).max(200),
})
  .partial()
  .strip();
export type JobWhisperSettings = z.infer<typeof JobWhisperSettings>;

/** What a worker actually used for one job, recorded with its transcript. */
export const AppliedWhisperSettings = z.object({
  engine: z.string(),
  model: z.string(),
  /** A model the job asked for that this worker does not have (it used `model`); else null. */
  missingModel: z.string().nullable(),
  language: z.string(),
  /** The whole prompt Whisper received (vocabulary + admins' prompt [+ the live context]). */
  prompt: z.string(),
  vad: z.boolean(),
  vadSensitivity: z.number(),
  temperatureInc: z.number(),
});
export type AppliedWhisperSettings = z.infer<typeof AppliedWhisperSettings>;

/** A worker's own defaults (its environment), announced in its heartbeat. */
export const WorkerWhisperDefaults = AppliedWhisperSettings.pick({
  language: true,
  prompt: true,
  vad: true,
  vadSensitivity: true,
  temperatureInc: true,
});
export type WorkerWhisperDefaults = z.infer<typeof WorkerWhisperDefaults>;

/** `GET /api/admin/whisper`: the settings in force, the defaults (null: each worker's), source. */
export const WhisperSettingsView = SettingSource.extend({
  settings: WhisperSettings,
  defaults: WhisperSettings,
  /** Whether an API key is stored (the key itself is never returned). */
  apiKeySet: z.boolean(),
});
export type WhisperSettingsView = z.infer<typeof WhisperSettingsView>;

/**
 * Whisper's tokens for `text`, estimated without its tokenizer: one per started group of three
 * UTF-8 bytes of each word (its leading space included), one per punctuation mark. Byte-pair
 * tokens of names and French words average three to four bytes, so this over-counts a little:
 * a prompt bounded with it stays within what Whisper keeps.
 */
export function estimateWhisperTokens(text: string): number {
  let n = 0;
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    const punct = word.match(/[.,;:!?()"«»]/g)?.length ?? 0;
    const bytes = new TextEncoder().encode(word.replace(/[.,;:!?()"«»]/g, '')).length;
    n += Math.ceil((bytes + 1) / 3) + punct;
  }
  return n;
}

/**
 * The prompt Whisper gets: the vocabulary's terms in order (most specific first) while they fit,
 * then the admins' prompt word by word, then — for a live window — the end of the channel's text
 * so far. The channel's text keeps at least half the budget when the rest would not leave it
 * that (it carries the conversation on), and all of what the rest leaves otherwise. Terms are
 * joined by ", ", so they read as a list of names; duplicates (case-insensitive) are dropped.
 */
export function composeWhisperPrompt(
  parts: { vocabulary?: readonly string[]; prompt?: string | null; context?: string | null },
  maxTokens = WHISPER_PROMPT_MAX_TOKENS,
): string {
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const raw of parts.vocabulary ?? []) {
    const term = raw.replace(/\s+/g, ' ').trim();
    if (!term || seen.has(term.toLowerCase())) continue;
    seen.add(term.toLowerCase());
    terms.push(term);
  }
  const promptWords = parts.prompt?.trim() ? parts.prompt.trim().split(/\s+/) : [];
  const headCost =
    terms.reduce((n, t) => n + estimateWhisperTokens(t) + 1, 0) +
    promptWords.reduce((n, w) => n + estimateWhisperTokens(w), 0);

  let budget = maxTokens;
  let context = '';
  const ctx = parts.context?.trim();
  if (ctx) {
    const words = ctx.split(/\s+/);
    const room = maxTokens - Math.min(headCost, Math.floor(maxTokens / 2));
    const kept: string[] = [];
    let used = 0;
    for (let i = words.length - 1; i >= 0; i--) {
      const cost = estimateWhisperTokens(words[i]!);
      if (used + cost > room) break;
      used += cost;
      kept.unshift(words[i]!);
    }
    context = kept.join(' ');
    budget -= used;
  }
  const fitting: string[] = [];
  for (const term of terms) {
    const cost = estimateWhisperTokens(term) + 1; // the comma, or the closing full stop
    if (cost > budget) continue; // a shorter, later term may still fit
    fitting.push(term);
    budget -= cost;
  }
  let head = fitting.length ? `${fitting.join(', ')}.` : '';
  const kept: string[] = [];
  for (const w of promptWords) {
    const cost = estimateWhisperTokens(w);
    if (cost > budget) break;
    budget -= cost;
    kept.push(w);
  }
  if (kept.length) head = head ? `${head} ${kept.join(' ')}` : kept.join(' ');
  return [head, context].filter(Boolean).join(' ');
}
