import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit';
import { requestMeta } from '../http/request-context';
import type { RouteTable } from '../http/routes';
import type { RecordingAudio } from './audio.service';
import { renderWaveform } from './waveform';
const WAVEFORM_CACHE_SECONDS = 7 * 86_400;

/** The Redis key of a recording's cached waveform picture (dropped with the recording). */
export const waveformCacheKey = (prefix: string, recordingId: string) =>
  `${prefix}:waveform:v1:${recordingId}`;

export function registerAudioRoutes(
  routes: RouteTable,
  audio: RecordingAudio,
  audit: AuditLog,
  cache: { redis: Redis; prefix: string },
): void {
  routes.handle('getRecordingAudio', async ({ req, res, params, user }) => {
    const r = await audio.forUser(user, params.id);
    const range = req.headers.range;
    // Audited before sending: an access that fails half-way is still an access.
    await audit.write({
      action: 'recording.audio.read',
      actorId: user!.id,
      targetType: 'recording',
      targetId: r.id,
      details: { callId: r.callId, range: range ?? null },
      ...requestMeta(req),
    });
    await audio.send(r, range, res);
  });

  routes.handle('getInternalRecordingAudio', async ({ req, res, params }) => {
    const r = await audio.forUser(null, params.id);
    await audit.write({
      action: 'recording.audio.read',
      actorId: null,
      targetType: 'recording',
      targetId: r.id,
      details: { callId: r.callId, range: req.headers.range ?? null, by: 'worker' },
      ...requestMeta(req),
    });
    await audio.send(r, req.headers.range, res);
  });

  routes.handle('getRecordingWaveform', async ({ res, params, user }) => {
    const r = await audio.forUser(user, params.id);
    const key = waveformCacheKey(cache.prefix, r.id);
    let png = await cache.redis.getBuffer(key);
    if (!png) {
      const opened = await audio.open(r);
      png = await renderWaveform(opened.stream, r.channels);
      await cache.redis.set(key, png, 'EX', WAVEFORM_CACHE_SECONDS);
    }
    res
      .status(200)
      .setHeader('Content-Type', 'image/png')
      .setHeader('Cache-Control', 'private, max-age=86400')
      .setHeader('ETag', `"wf1-${r.sha256.slice(0, 16)}"`)
      .end(png);
  });
}
