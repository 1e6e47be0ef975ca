import { whisperApiEndpoint, type WhisperEngineTestResult } from '@cwn/protocol';

/** One second of 16 kHz mono silence as a WAV: the smallest request every server accepts. */
function silentWav(): Buffer {
  const samples = 16000;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples * 2, 40);
  return b;
}

/**
 * Asks an OpenAI-compatible endpoint to transcribe one second of silence (decision 1612), for the
 * connection test of /admin/whisper. The answer is summarised from its status alone: the
 * server's own text could quote the key or anything else, so it is never passed on.
 */
export async function probeWhisperEngine(
  o: { url: string; model: string; apiKey: string | null; timeoutMs?: number },
  fetchImpl: typeof fetch = fetch,
): Promise<WhisperEngineTestResult> {
  const endpoint = whisperApiEndpoint(o.url);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(silentWav())], { type: 'audio/wav' }), 'probe.wav');
  form.append('model', o.model);
  form.append('response_format', 'json');
  let res: Response;
  try {
    res = await fetchImpl(endpoint, {
      method: 'POST',
      body: form,
      headers: o.apiKey ? { Authorization: `Bearer ${o.apiKey}` } : {},
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      redirect: 'manual',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError' ? 'no answer within 10 s' : (e.cause?.code ?? 'network error');
    return { ok: false, status: null, endpoint, message: `could not reach the server (${why})` };
  }
  await res.arrayBuffer().catch(() => undefined);
  const s = res.status;
  const message =
    s >= 200 && s < 300
      ? `the server transcribed a test second with model ${o.model}`
      : s === 401
        ? 'the server refused the API key (HTTP 401)'
        : s === 403
          ? 'the server refused access with this key (HTTP 403)'
          : s === 404
            ? `no transcription endpoint at this URL, or no model ${o.model} there (HTTP 404)`
            : s === 429
              ? 'the server is busy or over its quota (HTTP 429)'
              : `the server answered HTTP ${s}`;
  return { ok: s >= 200 && s < 300, status: s, endpoint, message };
}
