import type { AuditLog } from '../audit/audit';
import { HttpError } from '../http/errors';
import { auditSettingsChange } from '../audit/settings-audit';
import type { RouteTable } from '../http/routes';
import type { Logger } from '../logger';
import type { CallerMatcher } from './caller-match';
import type { NinjaOneClient } from './client';
import { testNinjaOneConnection } from './connection-test';
import type { NinjaOneDirectory } from './directory';
import { NinjaOneError } from './errors';
import type { NinjaOneConnectFlow } from './oauth-connect';
import type { NinjaOneSettingsService } from './settings.service';

export interface NinjaOneRouteDeps {
  settings: NinjaOneSettingsService;
  client: NinjaOneClient;
  directory: NinjaOneDirectory;
  matcher: CallerMatcher;
  connect: NinjaOneConnectFlow;
  audit: AuditLog;
  publicUrl: string;
  logger: Logger;
}

// NinjaOne's errors reach the HTTP edge as they are: http/domain-errors answers missing settings
// with 409, NinjaOne trouble with 503 (a retry may work) or 502 (NinjaOne refused).

export function registerNinjaOneRoutes(routes: RouteTable, d: NinjaOneRouteDeps): void {
  routes.handle('getNinjaOneSettings', () => d.settings.view());

  routes.handle('putNinjaOneSettings', async ({ req, body, user }) => {
    const view = await d.settings.update(body, user!.id);
    d.directory.clear();
    await auditSettingsChange(d.audit, {
      req,
      actorId: user!.id,
      group: 'ninjaone',
      what: 'settings.update',
      details: {
        region: body.region,
        authMode: body.authMode,
        clientId: body.clientId,
        clientSecret:
          body.clientSecret === undefined
            ? 'kept'
            : body.clientSecret === null
              ? 'cleared'
              : 'replaced',
      },
    });
    return view;
  });

  routes.handle('testNinjaOne', async () => {
    await d.settings.resolve();
    return testNinjaOneConnection(d.client, d.directory);
  });

  routes.handle('connectNinjaOne', async ({ req, user }) => {
    const authorizeUrl = await d.connect.start(user!.id);
    await auditSettingsChange(d.audit, {
      req,
      actorId: user!.id,
      group: 'ninjaone',
      what: 'connect.start',
    });
    return { authorizeUrl };
  });

  routes.handle('ninjaOneCallback', async ({ req, res, query }) => {
    if (!query.state) throw HttpError.badRequest('missing state: start from "Connect NinjaOne"');
    const pending = await d.connect.takeState(query.state);
    if (!pending)
      throw HttpError.badRequest('unknown or expired state: start again from "Connect NinjaOne"');
    const back = new URL(`${d.publicUrl}/admin/ninjaone`);
    if (query.error || !query.code) {
      back.searchParams.set(
        'error',
        query.error_description ?? query.error ?? 'NinjaOne sent no authorization code',
      );
    } else {
      try {
        await d.connect.finish(pending, query.code);
        back.searchParams.set('connected', '1');
        await auditSettingsChange(d.audit, {
          req,
          actorId: pending.userId,
          group: 'ninjaone',
          what: 'connect',
        });
      } catch (err) {
        if (!(err instanceof NinjaOneError)) throw err;
        d.logger.warn({ err: err.message }, 'ninjaone connection failed');
        back.searchParams.set('error', err.message);
      }
    }
    res.redirect(302, back.toString());
  });

  routes.handle('listNinjaOneOrganizations', async () => ({
    items: (await d.directory.organizations()).map((o) => ({
      id: o.id,
      name: o.name,
    })),
  }));

  routes.handle('matchCaller', async ({ query }) => {
    const { phoneRegion } = await d.settings.resolve();
    const { e164, match, lookupError } = await d.matcher.match(query.number, phoneRegion);
    return { e164, match, lookupError };
  });

  routes.handle('getTicketOptions', async () => {
    const [forms, statuses] = await Promise.all([
      d.directory.ticketForms(),
      d.directory.statuses(),
    ]);
    return {
      forms: forms.map((f) => ({
        id: f.id,
        name: f.name,
        active: f.active !== false,
        default: f.default === true,
      })),
      statuses: statuses.map((s) => ({
        id: String(s.statusId),
        name: s.name,
        displayName: s.displayName ?? s.name,
      })),
    };
  });
}
