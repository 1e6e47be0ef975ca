import type { z } from 'zod';
import type { SettingSource } from '@cwn/protocol';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { SettingsRepository } from './settings.repository';

/**
 * One setting an admin may change: the row of the `settings` table that holds it, the schema that
 * checks it (when written, and again when read: a row written by an older version that no longer
 * fits falls back to the environment) and its value when no admin changed it, from the server's
 * environment. Each feature declares its own next to its code (retention, alert thresholds; the
 * Whisper settings and the NinjaOne vocabulary join the same way).
 */
export interface SettingDefinition<T> {
  key: string;
  schema: z.ZodType<T>;
  fromEnvironment: (config: Config) => T;
}

export const defineSetting = <T>(d: SettingDefinition<T>): SettingDefinition<T> => d;

export interface StoredSetting<T> extends SettingSource {
  value: T;
  /** What the environment gives (the value after a reset). */
  defaults: T;
}

type Listener<T> = (after: T, before: T) => void | Promise<void>;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

type Entry = Awaited<ReturnType<SettingsRepository['entry']>>;

/** How long a row read from the database is reused by this process (see SettingsStore). */
export const SETTINGS_CACHE_MS = 2_000;

/**
 * Typed settings over the `settings` table: the environment gives the defaults, an admin's change
 * overrides them, and a change is in force on every server process without a restart. Reads are
 * served from a short per-process cache (`cacheMs`, default SETTINGS_CACHE_MS = 2 s: the Whisper
 * settings are read per job and per live session, which made one query each): a write or reset
 * through this store drops its key at once, so this process reads its own change at the next
 * read; another process sees it within `cacheMs` (the bounded staleness). Rows written around the
 * store (the repository's own writers: secrets, NinjaOne's connection) are not read through it.
 * Features that keep state derived from a setting (the retention schedule) subscribe with
 * `onChange`; a write resolves once they have followed.
 */
export class SettingsStore {
  private readonly listeners = new Map<string, Listener<unknown>[]>();
  private readonly cache = new Map<string, { at: number; entry: Promise<Entry> }>();

  constructor(
    private readonly repo: SettingsRepository,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly cacheMs: number = SETTINGS_CACHE_MS,
  ) {}

  /** The row, from the cache while fresh (concurrent reads share one query). */
  private entry(key: string): Promise<Entry> {
    const now = performance.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.cacheMs) return hit.entry;
    const entry = this.repo.entry<unknown>(key);
    if (this.cacheMs > 0) {
      const slot = { at: now, entry };
      this.cache.set(key, slot);
      // a failed read is not kept
      entry.catch(() => {
        if (this.cache.get(key) === slot) this.cache.delete(key);
      });
    }
    return entry;
  }

  async read<T>(def: SettingDefinition<T>): Promise<StoredSetting<T>> {
    const defaults = def.fromEnvironment(this.config);
    const fromEnv: StoredSetting<T> = {
      value: defaults,
      defaults,
      source: 'environment',
      updatedAt: null,
      updatedBy: null,
    };
    const row = await this.entry(def.key);
    if (!row) return fromEnv;
    // Fields added to a setting after it was stored take the environment's value.
    const merged =
      isPlainObject(defaults) && isPlainObject(row.value)
        ? { ...defaults, ...row.value }
        : row.value;
    const parsed = def.schema.safeParse(merged);
    if (!parsed.success) {
      this.logger.warn(
        { setting: def.key, issue: parsed.error.issues[0]?.message },
        'stored setting no longer valid: the environment value applies',
      );
      return fromEnv;
    }
    return {
      value: parsed.data,
      defaults,
      source: 'admin',
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    };
  }

  async value<T>(def: SettingDefinition<T>): Promise<T> {
    return (await this.read(def)).value;
  }

  /** Validates and stores `value`, then lets the subscribers follow; returns before and after. */
  async write<T>(
    def: SettingDefinition<T>,
    value: T,
    actorId: string | null,
  ): Promise<{ before: T; after: T }> {
    const after = def.schema.parse(value);
    const before = await this.value(def);
    try {
      await this.repo.set(def.key, after, actorId);
    } finally {
      this.cache.delete(def.key);
    }
    await this.notify(def, after, before);
    return { before, after };
  }

  /** Forgets the admin's value: the environment's applies again. */
  async reset<T>(def: SettingDefinition<T>): Promise<{ before: T; after: T }> {
    const before = await this.value(def);
    try {
      await this.repo.delete(def.key);
    } finally {
      this.cache.delete(def.key);
    }
    const after = def.fromEnvironment(this.config);
    await this.notify(def, after, before);
    return { before, after };
  }

  onChange<T>(def: SettingDefinition<T>, listener: Listener<T>): void {
    const list = this.listeners.get(def.key) ?? [];
    list.push(listener as Listener<unknown>);
    this.listeners.set(def.key, list);
  }

  private async notify<T>(def: SettingDefinition<T>, after: T, before: T): Promise<void> {
    for (const l of this.listeners.get(def.key) ?? []) await l(after, before);
  }
}
