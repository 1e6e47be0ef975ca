/**
 * The models a worker can run and the engine for each job's choice (decision 1611): the engine
 * it started with, and for a job that names another model of its MODELS_DIR (ggml-<name>.bin)
 * that model, loaded on first use and kept while jobs use it (at most `maxExtra` besides the
 * first; the least recently used idle one is closed to make room). A model the worker does not
 * have is never fetched: the job runs on the worker's own model and says which one it lacked.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Transcriber } from './transcriber';

export interface EngineLease {
  engine: Transcriber;
  /** The model the job asked for that this worker lacks (it got its own engine); else null. */
  missingModel: string | null;
  release(): void;
}

interface Loaded {
  engine: Promise<Transcriber>;
  users: number;
  lastUsed: number;
}

export class EngineSet {
  private readonly extra = new Map<string, Loaded>();
  /** Models jobs asked for that this worker lacks, for the heartbeat. */
  readonly missing = new Set<string>();
  private clock = 0;

  constructor(
    readonly primary: Transcriber,
    private readonly opts: {
      /** The folder holding ggml-<name>.bin files (whisper.cpp only; null for the API engine). */
      modelsDir: string | null;
      load: (modelPath: string) => Promise<Transcriber>;
      maxExtra?: number;
      log?: (msg: string, extra?: Record<string, unknown>) => void;
    },
  ) {}

  private pathOf(name: string): string | null {
    if (!this.opts.modelsDir || !/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
      return null;
    const path = join(this.opts.modelsDir, `ggml-${name}.bin`);
    return existsSync(path) ? path : null;
  }

  /** The models this worker can run now: its own first, then its MODELS_DIR's, by name. */
  available(): string[] {
    const names = new Set([this.primary.model]);
    if (this.opts.modelsDir) {
      try {
        for (const f of readdirSync(this.opts.modelsDir).sort()) {
          const m = /^ggml-(.+)\.bin$/.exec(f);
          if (m && this.pathOf(m[1]!)) names.add(m[1]!);
        }
      } catch {
        // no models folder: only the primary model
      }
    }
    return [...names];
  }

  async acquire(model: string | null | undefined): Promise<EngineLease> {
    const own = (missingModel: string | null): EngineLease => ({
      engine: this.primary,
      missingModel,
      release: () => undefined,
    });
    if (!model || model === this.primary.model) return own(null);
    const path = this.pathOf(model);
    if (!path) {
      if (!this.missing.has(model))
        this.opts.log?.('job asks for a model this worker lacks', { model });
      this.missing.add(model);
      return own(model);
    }
    let entry = this.extra.get(model);
    if (!entry) {
      await this.makeRoom();
      this.opts.log?.('loading model for a job', { model });
      entry = { engine: this.opts.load(path), users: 0, lastUsed: 0 };
      this.extra.set(model, entry);
      entry.engine.catch(() => this.extra.delete(model));
    }
    entry.users++;
    entry.lastUsed = ++this.clock;
    const e = entry;
    try {
      const engine = await e.engine;
      this.missing.delete(model);
      let released = false;
      return {
        engine,
        missingModel: null,
        release: () => {
          if (!released) e.users--;
          released = true;
        },
      };
    } catch (err) {
      e.users--;
      throw err;
    }
  }

  private async makeRoom(): Promise<void> {
    const max = this.opts.maxExtra ?? 1;
    while (this.extra.size >= max) {
      const idle = [...this.extra.entries()]
        .filter(([, v]) => v.users === 0)
        .sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (!idle) return; // all in use: load one more rather than wait
      this.extra.delete(idle[0]);
      await (await idle[1].engine.catch(() => null))?.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.extra.values()];
    this.extra.clear();
    for (const e of all) await (await e.engine.catch(() => null))?.close();
  }
}
