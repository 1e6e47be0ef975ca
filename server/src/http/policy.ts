import type { Role } from '@cwn/protocol';

/**
 * Who may call what: one entry per route, keyed "METHOD /path" exactly as the route is
 * registered. A route registered without an entry stops the server at start, and the policy test
 * checks every route against every role, so access is never decided by accident.
 *
 * - 'public': no credentials (login, health, the OpenAPI document)
 * - 'authenticated': any active user
 * - a list of roles: only those ('kiosk': a wall screen's read-only kiosk token, too)
 * - 'worker': only the transcription workers' `WORKER_TOKEN` (no user token, whatever its role)
 */
export type Access = 'public' | 'authenticated' | 'worker' | readonly (Role | 'kiosk')[];

const ADMIN = ['admin'] as const;

export const ROUTE_POLICY: Readonly<Record<string, Access>> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /api/openapi.json': 'public',

  'POST /api/auth/login': 'public',
  'POST /api/auth/refresh': 'public',
  'POST /api/auth/logout': 'public',
  'GET /api/auth/me': 'authenticated',

  'GET /api/users': ['admin', 'supervisor'],
  'POST /api/users': ADMIN,
  'GET /api/users/:id': ['admin', 'supervisor'],
  'PATCH /api/users/:id': ADMIN,
  'POST /api/users/:id/reset-password': ADMIN,
  // Who the agents are, for filters (the PWA's inbox): not their e-mail, role or activity.
  'GET /api/agents': ['supervisor', 'manager', 'admin'],

  // NinjaOne: settings for admins (supervisors read them), the org picker for everyone.
  'GET /api/settings/ninjaone': ['admin', 'supervisor'],
  'PUT /api/settings/ninjaone': ADMIN,
  'POST /api/settings/ninjaone/test': ADMIN,
  'GET /api/ninjaone/connect': ADMIN,
  'GET /api/ninjaone/callback': 'public',
  'GET /api/ninjaone/organizations': 'authenticated',
  'GET /api/ninjaone/caller-match': 'authenticated',
  'GET /api/ninjaone/ticket-options': ['admin', 'supervisor'],
  'GET /api/transcripts/:id/redaction-preview': 'authenticated',
  'GET /api/transcripts/:id/ticket': 'authenticated',
  'POST /api/transcripts/:id/ticket': ['agent', 'manager', 'admin'],
  // Calls and recordings. Agents see only their own; the services enforce that (404).
  'POST /api/calls': ['agent', 'supervisor'],
  'GET /api/calls': 'authenticated',
  'GET /api/calls/:id': 'authenticated',
  'PATCH /api/calls/:id': ['agent', 'supervisor'],
  // Deleting a call (with its audio, transcript and ticket rows): managers and admins.
  'DELETE /api/calls/:id': ['manager', 'admin'],
  'POST /api/upload-recording': ['agent', 'supervisor'],
  'POST /api/uploads': ['agent', 'supervisor'],
  'GET /api/uploads/:id': ['agent', 'supervisor'],
  'PATCH /api/uploads/:id': ['agent', 'supervisor'],
  'DELETE /api/uploads/:id': ['agent', 'supervisor'],
  'GET /api/recordings/:id/audio': 'authenticated',
  'GET /api/recordings/:id/waveform.png': 'authenticated',
  'GET /internal/recordings/:id/audio': 'worker',
  // Live recordings (decision 1400): only the call's agent writes one (checked in LiveService: 404).
  'POST /api/calls/:id/live': ['agent', 'supervisor'],
  'PUT /api/live-recordings/:id/audio': ['agent', 'supervisor'],
  'POST /api/live-recordings/:id/close': ['agent', 'supervisor'],
  'GET /api/live-recordings/:id': 'authenticated',
  // "Don't record this call" mid-call: the session's agent, or an admin (LiveService: else 403).
  'DELETE /api/live-recordings/:id': ['agent', 'supervisor', 'admin'],
  'GET /api/calls/:id/live-transcript': 'authenticated',
  'GET /internal/live-recordings/:id/window': 'worker',
  'GET /internal/recordings/:id/window': 'worker',

  // Transcripts: agents see and change only their own calls' (checked in TranscriptsService).
  'GET /api/transcripts/:id': 'authenticated',
  'GET /api/calls/:id/transcript': 'authenticated',
  'GET /api/transcripts/:id/edits': 'authenticated',
  'PATCH /api/transcripts/:id': ['agent', 'manager', 'admin'],
  'POST /api/transcripts/:id/validate': ['agent', 'manager', 'admin'],

  // Dashboard, kiosk tokens, audit log and queue administration.
  'GET /api/dashboard/summary': ['supervisor', 'manager', 'admin', 'kiosk'],
  'GET /api/kiosk-tokens': ADMIN,
  'POST /api/kiosk-tokens': ADMIN,
  'DELETE /api/kiosk-tokens/:id': ADMIN,
  'GET /api/audit': ADMIN,
  'GET /api/audit/export': ADMIN,
  'GET /api/admin/queues': ADMIN,
  'GET /api/admin/queues/:queue/failed': ADMIN,
  'POST /api/admin/queues/:queue/jobs/:jobId/retry': ADMIN,
  'DELETE /api/admin/queues/:queue/jobs/:jobId': ADMIN,
  // Retention and alert thresholds (the environment's defaults, changed by admins in the admin
  // pages): supervisors read them; the health report is the admins'.
  'GET /api/admin/retention': ['admin', 'supervisor'],
  'PUT /api/admin/retention': ADMIN,
  'DELETE /api/admin/retention': ADMIN,
  'POST /api/admin/retention/preview': ['admin', 'supervisor'],
  'GET /api/admin/alerts': ['admin', 'supervisor'],
  'PUT /api/admin/alerts': ADMIN,
  'DELETE /api/admin/alerts': ADMIN,
  'GET /api/admin/whisper': ['admin', 'supervisor'],
  'PUT /api/admin/whisper': ADMIN,
  'DELETE /api/admin/whisper': ADMIN,
  'DELETE /api/admin/whisper/key': ADMIN,
  'POST /api/admin/whisper/test': ADMIN,
  'GET /internal/whisper-engine-key': 'worker',
  'GET /api/admin/health': ADMIN,
  // Privacy (a caller's request to see or erase their data): admins only.
  'POST /api/admin/privacy/erase': ADMIN,
  'POST /api/admin/privacy/export': ADMIN,
  // Web Push "transcript ready": each user manages their own devices' subscriptions.
  'GET /api/push/vapid-public-key': 'authenticated',
  'POST /api/push/subscriptions': 'authenticated',
  'DELETE /api/push/subscriptions': 'authenticated',
};
