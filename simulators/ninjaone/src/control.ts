/**
 * Test control under `/__sim` (never called by the product). Every action is also a method of the
 * object `createNinjaOneSim` returns; this router only maps HTTP onto those methods.
 */
import express, { type Response } from 'express';
import type { NinjaOneSimControls } from './sim';
import type { FaultSpec, RateLimitConfig, SimConfig } from './state';
import type { SeedInput, SimClientApp } from './types';

function bad(res: Response, message: string): void {
  res.status(400).json({ error: message });
}

export function controlRouter(sim: NinjaOneSimControls): express.Router {
  const r = express.Router();

  r.get('/state', (_req, res) => {
    res.json(sim.summary());
  });

  r.post('/reset', (req, res) => {
    const seed = (req.body as { seed?: SeedInput } | undefined)?.seed;
    sim.reset(seed);
    res.json(sim.summary());
  });

  r.get('/config', (_req, res) => {
    res.json(sim.config());
  });
  r.post('/config', (req, res) => {
    if (!req.body || typeof req.body !== 'object') return bad(res, 'JSON object expected');
    res.json(sim.configure(req.body as Partial<SimConfig>));
  });

  r.get('/rate-limit', (_req, res) => {
    res.json(sim.rateLimit());
  });
  r.post('/rate-limit', (req, res) => {
    if (!req.body || typeof req.body !== 'object') return bad(res, 'JSON object expected');
    res.json(sim.setRateLimit(req.body as Partial<RateLimitConfig>));
  });

  r.get('/faults', (_req, res) => {
    res.json(sim.faults());
  });
  r.post('/faults', (req, res) => {
    const spec = req.body as FaultSpec | undefined;
    if (!spec || typeof spec.route !== 'string') return bad(res, 'route is required');
    res.status(201).json({ id: sim.injectFault(spec) });
  });
  r.delete('/faults', (_req, res) => {
    sim.clearFaults();
    res.status(204).end();
  });

  r.get('/clock', (_req, res) => {
    res.json({ now: sim.now() });
  });
  r.post('/clock/advance', (req, res) => {
    const seconds = Number((req.body as { seconds?: unknown } | undefined)?.seconds);
    if (!Number.isFinite(seconds)) return bad(res, 'seconds must be a number');
    res.json({ now: sim.advanceClock(seconds) });
  });

  r.post('/tokens/revoke', (req, res) => {
    const which =
      (req.body as { which?: 'all' | 'access' | 'refresh' } | undefined)?.which ?? 'all';
    sim.revokeAllTokens(which);
    res.status(204).end();
  });
  r.post('/tokens', (req, res) => {
    const b = (req.body ?? {}) as Parameters<NinjaOneSimControls['mintToken']>[0];
    try {
      res.status(201).json(sim.mintToken(b));
    } catch (err) {
      bad(res, (err as Error).message);
    }
  });

  r.get('/requests', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json(sim.requests({ method: q.method, path: q.path }));
  });
  r.delete('/requests', (_req, res) => {
    sim.clearRequests();
    res.status(204).end();
  });

  r.get('/tickets', (_req, res) => {
    res.json(sim.tickets());
  });

  r.post('/clients/:clientId', (req, res) => {
    try {
      res.json(sim.updateClient(req.params.clientId, req.body as Partial<SimClientApp>));
    } catch (err) {
      res.status(404).json({ error: (err as Error).message });
    }
  });

  r.use((_req, res) => {
    res.status(404).json({ error: 'unknown /__sim route' });
  });
  return r;
}
