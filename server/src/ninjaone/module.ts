import type { Queue } from 'bullmq';
import type { ModuleDeps } from '../module-deps';
import { SecretBox } from '../settings/secret-box';
import { SettingsRepository } from '../settings/settings.repository';
import { releaseHeldTickets } from '../tickets/ticket.worker';
import { CallerMatcher } from './caller-match';
import { NinjaOneClient } from './client';
import { NinjaOneDirectory } from './directory';
import { registerNinjaOneRoutes } from './ninjaone.routes';
import { NinjaOneConnectFlow } from './oauth-connect';
import { redisRenewalLock } from './renewal-lock';
import { NinjaOneSettingsService } from './settings.service';

export interface NinjaOneModuleOptions extends ModuleDeps {
  /** Held ticket jobs are released from it when an admin connects NinjaOne again. */
  ticketQueue: Queue;
  /** Tests: a fetch that misbehaves on purpose. */
  fetch?: typeof fetch;
}

export interface NinjaOneModule {
  settings: NinjaOneSettingsService;
  client: NinjaOneClient;
  directory: NinjaOneDirectory;
  matcher: CallerMatcher;
}

/** Everything NinjaOne: settings, client, lookups, the connect flow and their routes (tickets use them). */
export function createNinjaOneModule(o: NinjaOneModuleOptions): NinjaOneModule {
  const settings = new NinjaOneSettingsService(
    new SettingsRepository(o.models, new SecretBox(o.config.keyring)),
    o.config.publicUrl,
    o.now,
  );
  const client = new NinjaOneClient({
    credentials: settings,
    logger: o.logger,
    renewalLock: redisRenewalLock(o.redis, `${o.config.redisPrefix}:ninjaone:token-renewal`),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const directory = new NinjaOneDirectory(client, { logger: o.logger });
  settings.onChange(() => directory.clear());
  const matcher = new CallerMatcher(directory);
  const connect = new NinjaOneConnectFlow(settings, client, o.redis, o.config.redisPrefix, () =>
    releaseHeldTickets(o.ticketQueue, o.logger),
  );

  registerNinjaOneRoutes(o.routes, {
    settings,
    client,
    directory,
    matcher,
    connect,
    audit: o.audit,
    publicUrl: o.config.publicUrl,
    logger: o.logger,
  });

  return { settings, client, directory, matcher };
}
