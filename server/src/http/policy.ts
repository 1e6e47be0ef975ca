import type { Role } from '@cwn/protocol';

/**
 * Who may call what: one entry per route, keyed "METHOD /path" exactly as the route is
 * registered. A route registered without an entry stops the server at start, and the policy test
 * checks every route against every role, so access is never decided by accident.
 *
 * - 'public': no credentials (login, health, the OpenAPI document)
 * - 'authenticated': any active user
 * - a list of roles: only those ('kiosk': a wall screen's read-only kiosk token, too)
 */
export type Access = 'public' | 'authenticated' | readonly (Role | 'kiosk')[];

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
};
