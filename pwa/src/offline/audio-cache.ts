/**
 * Audio is large: it is kept on the device only when the manager asks ("keep for offline"), in its
 * own Cache Storage bucket, and the whole bucket goes at logout.
 */
export const AUDIO_CACHE = 'cwn-audio';

export async function cachedAudio(url: string): Promise<Blob | undefined> {
  if (!('caches' in globalThis)) return undefined;
  const hit = await (await caches.open(AUDIO_CACHE)).match(url);
  return hit ? hit.blob() : undefined;
}

export async function keepAudio(url: string, audio: Blob): Promise<void> {
  await (
    await caches.open(AUDIO_CACHE)
  ).put(url, new Response(audio, { headers: { 'Content-Type': audio.type || 'audio/wav' } }));
}

export async function clearAudio(): Promise<void> {
  if ('caches' in globalThis) await caches.delete(AUDIO_CACHE);
}

/** Drops one recording's kept audio (its call was deleted). */
export async function forgetAudio(url: string): Promise<void> {
  if ('caches' in globalThis) await (await caches.open(AUDIO_CACHE)).delete(url);
}
