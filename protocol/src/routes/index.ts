/**
 * The route table: every REST route the server serves, by name. The server registers its handlers
 * against these names (server/src/http/routes.ts), the OpenAPI document is generated from it
 * (server/src/openapi/document.ts) and the typed client calls it (../client).
 */
import { auditRoutes } from './audit';
import { authRoutes } from './auth';
import { callsRoutes } from './calls';
import { dashboardRoutes } from './dashboard';
import { healthRoutes } from './health';
import { liveRoutes } from './live';
import { metaRoutes } from './meta';
import { ninjaoneRoutes } from './ninjaone';
import { privacyRoutes } from './privacy';
import { pushRoutes } from './push';
import { queueRoutes } from './queue';
import { recordingsRoutes } from './recordings';
import { retentionRoutes } from './retention';
import { ticketsRoutes } from './tickets';
import { transcriptsRoutes } from './transcripts';
import { usersRoutes } from './users';
import { whisperRoutes } from './whisper';

export const API_ROUTES = {
  ...auditRoutes,
  ...authRoutes,
  ...callsRoutes,
  ...dashboardRoutes,
  ...healthRoutes,
  ...liveRoutes,
  ...metaRoutes,
  ...ninjaoneRoutes,
  ...privacyRoutes,
  ...pushRoutes,
  ...queueRoutes,
  ...recordingsRoutes,
  ...retentionRoutes,
  ...ticketsRoutes,
  ...transcriptsRoutes,
  ...usersRoutes,
  ...whisperRoutes,
} as const;

export type ApiRoutes = typeof API_ROUTES;
export type RouteName = keyof ApiRoutes;

export * from './route';
