import type { AgentSummary, Call, CallStatus } from '@cwn/protocol';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, NetworkError } from '../api/errors';
import type { CallsQuery } from '../api/calls';
import { services } from '../services';

export interface InboxFilters {
  /** Free text: a number, a name or words of the transcript (`GET /api/calls?q=`). */
  q: string;
  status: CallStatus | '';
  /** One agent's calls (`GET /api/calls?agentId=`); '' for everyone's. */
  agentId: string;
  from: string;
  to: string;
}

const SNAPSHOT_KEY = 'inbox';
export const PAGE_SIZE = 30;

/** Calls awaiting validation first (oldest waiting first), then the rest, newest first. */
export function orderInbox(calls: Call[]): { awaiting: Call[]; recent: Call[] } {
  const awaiting = calls
    .filter((c) => c.status === 'transcribed')
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const recent = calls
    .filter((c) => c.status !== 'transcribed')
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return { awaiting, recent };
}

export function toQuery(filters: InboxFilters, cursor?: string): CallsQuery {
  const day = (d: string, end: boolean) =>
    d ? new Date(`${d}T${end ? '23:59:59.999' : '00:00:00.000'}Z`).toISOString() : undefined;
  return {
    limit: PAGE_SIZE,
    cursor,
    q: filters.q.trim() || undefined,
    status: filters.status || undefined,
    agentId: filters.agentId || undefined,
    from: day(filters.from, false),
    to: day(filters.to, true),
  };
}

const noFilters = (f: InboxFilters) => !f.q.trim() && !f.status && !f.agentId && !f.from && !f.to;

/**
 * The inbox: pages of calls with filters. The unfiltered first page is saved on the device and
 * shown when the server cannot be reached.
 */
export const useInbox = defineStore('inbox', () => {
  const calls = ref<Call[]>([]);
  const nextCursor = ref<string | null>(null);
  const filters = ref<InboxFilters>({ q: '', status: '', agentId: '', from: '', to: '' });
  /** The agents the filter offers (empty until loaded, and for agents, who see only their own calls). */
  const agents = ref<AgentSummary[]>([]);
  const loading = ref(false);
  const savedAt = ref<number | null>(null);
  const unavailable = ref(false);
  const error = ref<string | null>(null);
  const sections = computed(() => orderInbox(calls.value));

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await services().calls.list(toQuery(filters.value));
      calls.value = page.items;
      nextCursor.value = page.nextCursor;
      savedAt.value = null;
      unavailable.value = false;
      if (noFilters(filters.value))
        await services().db.put('inbox', {
          key: SNAPSHOT_KEY,
          calls: page.items,
          savedAt: Date.now(),
        });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) unavailable.value = true;
      else if (!(err instanceof NetworkError))
        error.value = err instanceof Error ? err.message : String(err);
      await showSnapshot();
    } finally {
      loading.value = false;
    }
  }

  async function showSnapshot(): Promise<void> {
    const snapshot = await services().db.get('inbox', SNAPSHOT_KEY);
    calls.value = snapshot?.calls ?? [];
    savedAt.value = snapshot?.savedAt ?? null;
    nextCursor.value = null;
  }

  async function loadMore(): Promise<void> {
    if (loading.value || !nextCursor.value) return;
    loading.value = true;
    try {
      const page = await services().calls.list(toQuery(filters.value, nextCursor.value));
      const known = new Set(calls.value.map((c) => c.id));
      calls.value = [...calls.value, ...page.items.filter((c) => !known.has(c.id))];
      nextCursor.value = page.nextCursor;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    } finally {
      loading.value = false;
    }
  }

  /** The agent filter's choices; offline or refused, the filter offers what it had (or nothing). */
  async function loadAgents(): Promise<void> {
    try {
      agents.value = (await services().calls.agents()).items;
    } catch {
      // The select keeps "All agents" only.
    }
  }

  /**
   * A call the server says changed (live events): replaced in place, or added on top when the
   * inbox is unfiltered (a filtered list is refetched instead: only the server knows what matches).
   */
  async function upsert(call: Call): Promise<void> {
    const at = calls.value.findIndex((c) => c.id === call.id);
    if (at >= 0) calls.value = calls.value.map((c, i) => (i === at ? call : c));
    else if (noFilters(filters.value)) calls.value = [call, ...calls.value];
    else await load();
  }

  return {
    calls,
    nextCursor,
    filters,
    agents,
    loading,
    savedAt,
    unavailable,
    error,
    sections,
    load,
    loadMore,
    loadAgents,
    showSnapshot,
    upsert,
  };
});
