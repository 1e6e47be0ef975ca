import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { ReadinessCheck } from '@cwn/protocol';
import type { RouteTable } from '../http/routes';
import type { Metrics } from './metrics';

export async function timed(
  fn: () => Promise<unknown>,
  timeoutMs: number,
): Promise<ReadinessCheck> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - start),
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The probe connection refuses commands until connected; wait for it (bounded by `timed`). */
export async function pingWhenReady(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`not connected (${redis.status})`));
      }, 1_900);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', onReady);
    });
  }
  await redis.ping();
}

export function registerHealthRoutes(
  routes: RouteTable,
  deps: { sequelize: Sequelize; probeRedis: Redis; metrics: Metrics },
): void {
  routes.handle('healthz', () => ({ status: 'ok' }));

  routes.handle('readyz', async ({ res }) => {
    const [postgres, redis] = await Promise.all([
      timed(() => deps.sequelize.query('SELECT 1'), 2_000),
      timed(() => pingWhenReady(deps.probeRedis), 2_000),
    ]);
    const down = [!postgres.ok && 'postgres', !redis.ok && 'redis'].filter(Boolean);
    const body = { status: down.length ? 'not_ready' : 'ready', checks: { postgres, redis } };
    if (down.length) {
      res.status(503).json({
        error: {
          code: 'service_unavailable',
          message: `not ready: ${down.join(' and ')} unreachable`,
          details: body,
        },
      });
      return;
    }
    return body;
  });

  routes.handle('metrics', async ({ res }) => {
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.end(await deps.metrics.registry.metrics());
  });
}
