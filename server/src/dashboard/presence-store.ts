import type { Redis } from 'ioredis';
import { AgentPresence } from '@cwn/protocol';

/**
 * The last presence of every agent, in one Redis hash (`${prefix}:presence`, field = agent id), so
 * that every server replica and a restarted server show the same wallboard.
 */
export class PresenceStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:presence`;
  }

  async set(presence: AgentPresence): Promise<void> {
    await this.redis.hset(this.key, presence.agentId, JSON.stringify(presence));
  }

  async get(agentId: string): Promise<AgentPresence | null> {
    const raw = await this.redis.hget(this.key, agentId);
    return raw ? parse(raw) : null;
  }

  /** Every stored presence by agent id; an unreadable entry is skipped, not fatal. */
  async all(): Promise<Map<string, AgentPresence>> {
    const raw = await this.redis.hgetall(this.key);
    const out = new Map<string, AgentPresence>();
    for (const [agentId, value] of Object.entries(raw)) {
      const p = parse(value);
      if (p) out.set(agentId, p);
    }
    return out;
  }
}

function parse(raw: string): AgentPresence | null {
  try {
    const r = AgentPresence.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
