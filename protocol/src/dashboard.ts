import { z } from 'zod';
import { Id, Timestamp } from './common';
import { AgentPresenceState } from './socket';
import { AppliedWhisperSettings, WorkerWhisperDefaults } from './whisper';

/** One agent on the wallboard: who, and their last presence (offline when never seen). */
export const DashboardAgent = z.object({
  id: Id,
  displayName: z.string(),
  extension: z.string().nullable(),
  state: AgentPresenceState,
  callId: Id.nullable(),
  /** When the current state began (the wallboard's call timer counts from here); null when never seen. */
  since: Timestamp.nullable(),
  /** The agent's current call is transcribed live (its audio streams to the server): no text, only the fact. */
  liveTranscription: z.boolean(),
});
export type DashboardAgent = z.infer<typeof DashboardAgent>;

/**
 * Today's figures (the server's local day). A null value means "not measured (yet)": the table it
 * comes from is not in this build, which the wallboard shows as a dash, never as a zero.
 */
export const DashboardCounters = z.object({
  callsInbound: z.number().int().nonnegative().nullable(),
  callsOutbound: z.number().int().nonnegative().nullable(),
  callsAnswered: z.number().int().nonnegative().nullable(),
  callsMissed: z.number().int().nonnegative().nullable(),
  averageHandleSeconds: z.number().nonnegative().nullable(),
  transcriptsAwaitingValidation: z.number().int().nonnegative().nullable(),
  ticketsToday: z.number().int().nonnegative().nullable(),
  averageHangupToTranscriptSeconds: z.number().nonnegative().nullable(),
});
export type DashboardCounters = z.infer<typeof DashboardCounters>;

export const DashboardQueue = z.object({
  waiting: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Age of the oldest job still waiting, in seconds; null when none waits. */
  oldestWaitingSeconds: z.number().nonnegative().nullable(),
});
export type DashboardQueue = z.infer<typeof DashboardQueue>;

/** What a transcription worker announces in Redis at `${prefix}:workers:${id}` (see worker-gpu). */
export const WorkerHeartbeat = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  engine: z.string(),
  model: z.string(),
  gpu: z.boolean(),
  concurrency: z.number().int(),
  active: z.number().int(),
  startedAt: Timestamp,
  lastSeenAt: Timestamp,
  /** Models this worker can run (absent from older workers). */
  models: z.array(z.string()).optional(),
  /** What it applies when a job sets nothing: its environment. */
  defaults: WorkerWhisperDefaults.optional(),
  /** What it applied to its latest job (null before its first). */
  applied: AppliedWhisperSettings.nullable().optional(),
  /** Models jobs asked for that it lacks (it used its own instead). */
  missingModels: z.array(z.string()).optional(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeat>;

export const DashboardAlertCode = z.enum([
  'no_worker_online',
  'queue_backing_up',
  'ninjaone_disconnected',
  'ninjaone_failing',
]);
export type DashboardAlertCode = z.infer<typeof DashboardAlertCode>;

export const DashboardAlert = z.object({
  code: DashboardAlertCode,
  severity: z.enum(['warning', 'critical']),
  message: z.string(),
});
export type DashboardAlert = z.infer<typeof DashboardAlert>;

/** `GET /api/dashboard/summary`: everything the TV wallboard shows, in one read. */
export const DashboardSummary = z.object({
  generatedAt: Timestamp,
  agents: z.array(DashboardAgent),
  counters: DashboardCounters,
  queue: DashboardQueue,
  workers: z.array(WorkerHeartbeat),
  alerts: z.array(DashboardAlert),
});
export type DashboardSummary = z.infer<typeof DashboardSummary>;

/** Kiosk tokens start with this, so a bearer token tells at a glance which kind it is. */
export const KIOSK_TOKEN_PREFIX = 'cwnk_';

/** A read-only, revocable credential for a wall screen (the secret itself is shown once). */
export const KioskToken = z.object({
  id: Id,
  name: z.string(),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type KioskToken = z.infer<typeof KioskToken>;

export const CreateKioskTokenRequest = z
  .object({ name: z.string().trim().min(1).max(120) })
  .strict();
export type CreateKioskTokenRequest = z.infer<typeof CreateKioskTokenRequest>;

export const CreatedKioskToken = KioskToken.extend({ token: z.string() });
export type CreatedKioskToken = z.infer<typeof CreatedKioskToken>;

export const KioskTokenList = z.object({ items: z.array(KioskToken) });
export type KioskTokenList = z.infer<typeof KioskTokenList>;
