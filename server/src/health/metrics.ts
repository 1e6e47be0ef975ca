import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queues } from '../queue/queues';

export interface Metrics {
  registry: Registry;
  middleware: RequestHandler;
}

/** One registry per app instance (tests build several apps in one process). */
export function createMetrics(queues: Queues): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.all().map(async (q) => {
          try {
            const counts = await q.getJobCounts(
              'waiting',
              'active',
              'delayed',
              'failed',
              'completed',
              'paused',
            );
            for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
          } catch {
            // Redis away: the readiness endpoint reports it; metrics keep serving the rest.
          }
        }),
      );
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The route pattern, not the URL, so ids do not explode the label set.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      end(labels);
      (registry.getSingleMetric('http_requests_total') as Counter<string>).inc(labels);
    });
    next();
  };
  return { registry, middleware };
}
