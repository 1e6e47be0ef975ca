import type { Redis } from 'ioredis';
import { WorkerHeartbeat } from '@cwn/protocol';

/**
 * Transcription workers online: each refreshes `${prefix}:workers:${id}` with a TTL (worker-gpu's
 * heartbeat), so the keys that exist are exactly the live workers.
 */
export async function listOnlineWorkers(redis: Redis, prefix: string): Promise<WorkerHeartbeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:workers:*`, 'COUNT', 200);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  const workers: WorkerHeartbeat[] = [];
  for (const v of values) {
    if (!v) continue; // expired between SCAN and MGET
    try {
      const r = WorkerHeartbeat.safeParse(JSON.parse(v));
      if (r.success) workers.push(r.data);
    } catch {
      // not a heartbeat: ignore
    }
  }
  return workers.sort((a, b) => a.id.localeCompare(b.id));
}
