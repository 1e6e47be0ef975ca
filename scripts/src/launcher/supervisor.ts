/**
 * The children of `npm start` (scripts/start.mjs): each one's output line by line with its name in
 * front; a child that exits on its own is restarted after a backoff (and the log says so); one that
 * keeps crashing makes the supervisor give up (the launcher then stops everything). Stopping is
 * only ever asked for: SIGTERM to all, SIGKILL to those still running after a while.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

export interface ChildSpec {
  name: string;
  cmd: string;
  args: string[];
  /** Added to the supervisor's base environment. */
  env?: Record<string, string>;
}

export interface SupervisorOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** First restart delay, doubled at each crash inside the window, up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** This many exits within windowMs means the child keeps crashing: the supervisor gives up. */
  maxCrashes?: number;
  windowMs?: number;
  /** After stop()'s SIGTERM, children still running are killed with SIGKILL. */
  killAfterMs?: number;
  say: (msg: string) => void;
  /** A child keeps crashing; called once. */
  onGiveUp: (name: string, reason: string) => void;
  stdout?: Writable;
  stderr?: Writable;
  /** How a child's output line is shown (e.g. pino-pretty on a terminal); may return several lines. */
  formatLine?: (line: string, out: Writable & { isTTY?: boolean }) => string;
}

interface Supervised {
  spec: ChildSpec;
  proc: ChildProcess;
  /** Times of its recent unexpected exits. */
  crashes: number[];
  restartTimer: NodeJS.Timeout | null;
  /** Started count (1 = the first start). */
  starts: number;
}

export interface ChildHandle {
  readonly name: string;
  /** The process now running (a new one after each restart). */
  readonly process: ChildProcess;
  readonly starts: number;
}

const DEFAULTS = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  maxCrashes: 5,
  windowMs: 120_000,
  killAfterMs: 5000,
};

export class Supervisor {
  private readonly o: SupervisorOptions & typeof DEFAULTS;
  private readonly children: Supervised[] = [];
  private stopping: Promise<void> | null = null;
  private gaveUp = false;

  constructor(options: SupervisorOptions) {
    this.o = { ...DEFAULTS, ...options };
  }

  get stopped(): boolean {
    return this.stopping !== null;
  }

  start(spec: ChildSpec): ChildHandle {
    const s: Supervised = { spec, proc: null!, crashes: [], restartTimer: null, starts: 0 };
    this.children.push(s);
    this.launch(s);
    return {
      name: spec.name,
      get process() {
        return s.proc;
      },
      get starts() {
        return s.starts;
      },
    };
  }

  private launch(s: Supervised): void {
    s.starts++;
    const p = spawn(s.spec.cmd, s.spec.args, {
      cwd: this.o.cwd,
      env: { ...(this.o.env ?? process.env), ...s.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    s.proc = p;
    this.pipe(s.spec.name, p.stdout!, this.o.stdout ?? process.stdout);
    this.pipe(s.spec.name, p.stderr!, this.o.stderr ?? process.stderr);
    let ended = false;
    const end = (how: string) => {
      if (ended) return;
      ended = true;
      if (!this.stopping) this.crashed(s, how);
    };
    p.once('exit', (code, signal) => end(signal ?? `code ${code}`));
    // a command that cannot start (ENOENT) emits 'error' and no 'exit'
    p.once('error', (err) => end(err.message));
  }

  private crashed(s: Supervised, how: string): void {
    const now = Date.now();
    s.crashes = s.crashes.filter((t) => now - t < this.o.windowMs);
    s.crashes.push(now);
    const { name } = s.spec;
    if (s.crashes.length >= this.o.maxCrashes) {
      if (this.gaveUp) return;
      this.gaveUp = true;
      const reason = `${name} exited (${how}) ${s.crashes.length} times within ${Math.round(this.o.windowMs / 1000)} s`;
      this.o.say(`${reason}: it keeps crashing`);
      this.o.onGiveUp(name, reason);
      return;
    }
    const delay = Math.min(
      this.o.maxBackoffMs,
      this.o.initialBackoffMs * 2 ** (s.crashes.length - 1),
    );
    this.o.say(
      `${name} exited (${how}); restarting it in ${formatMs(delay)} (crash ${s.crashes.length} of ${this.o.maxCrashes} allowed within ${Math.round(this.o.windowMs / 1000)} s)`,
    );
    s.restartTimer = setTimeout(() => {
      s.restartTimer = null;
      if (this.stopping) return;
      this.launch(s);
      this.o.say(`${name} restarted (pid ${s.proc.pid ?? '?'})`);
    }, delay);
  }

  private pipe(name: string, stream: NodeJS.ReadableStream, out: Writable): void {
    const prefix = `\x1b[2m[${name}]\x1b[0m `;
    const format = this.o.formatLine ?? ((l: string) => l);
    const write = (line: string) =>
      out.write(
        format(line, out)
          .split('\n')
          .map((t) => prefix + t)
          .join('\n') + '\n',
      );
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) write(l);
    });
    stream.on('end', () => {
      if (buf) write(buf);
      buf = '';
    });
  }

  /** SIGTERM to every child (last started first), SIGKILL after killAfterMs; no more restarts. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of this.children) if (s.restartTimer) clearTimeout(s.restartTimer);
      const running = this.children
        .map((s) => s.proc)
        .filter((p) => p.exitCode === null && p.signalCode === null && p.pid !== undefined)
        .reverse();
      const exits = running.map(
        (p) =>
          new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) r();
            else p.once('exit', () => r());
          }),
      );
      for (const p of running) p.kill('SIGTERM');
      const killer = setTimeout(() => {
        for (const p of running)
          if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      }, this.o.killAfterMs);
      await Promise.all(exits);
      clearTimeout(killer);
    })();
    return this.stopping;
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
