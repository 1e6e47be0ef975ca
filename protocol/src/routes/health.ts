import { Readiness, SystemHealth } from '../health';
import { route } from './route';

export const healthRoutes = {
  getSystemHealth: route({
    method: 'get',
    path: '/api/admin/health',
    summary:
      'System health for people: PostgreSQL, Redis, workers, queues, NinjaOne, audio disk; each green, amber or red with its figure',
    tags: ['health'],
    response: SystemHealth,
  }),
  healthz: route({
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    tags: ['health'],
  }),
  readyz: route({
    method: 'get',
    path: '/readyz',
    summary: 'PostgreSQL and Redis are reachable (503 names what is not)',
    tags: ['health'],
    response: Readiness,
  }),
  metrics: route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['health'],
    rawResponse: 'text/plain',
  }),
};
