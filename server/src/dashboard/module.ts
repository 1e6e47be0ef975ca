import type { ModuleDeps } from '../module-deps';
import type { SettingsStore } from '../settings/settings-store';
import { ALERT_THRESHOLDS_SETTING } from './alerts';
import { registerAlertRoutes } from './alerts.routes';
import type { IoServer } from '../realtime/socket';
import { callPresencePublisher } from './call-presence';
import { registerDashboardRoutes } from './dashboard.routes';
import { DashboardService, type DashboardDeps } from './dashboard.service';
import type { KioskTokensService } from './kiosk-tokens.service';
import { servePresence } from './presence-socket';
import type { PresenceStore } from './presence-store';
import { WallboardNotifier } from './wallboard-notifier';

export interface DashboardModule {
  service: DashboardService;
  kioskTokens: KioskTokensService;
  presence: PresenceStore;
  wallboard: WallboardNotifier;
  /** Called before the sockets close: a server restart is not the agents leaving. */
  stop(): void;
  close(): Promise<void>;
}

/**
 * The wallboard: its summary, kiosk tokens, agents' presence (from their sockets and from the calls
 * the extension reports) and one `dashboard.changed` stream for every change of its figures.
 */
export function createDashboardModule(
  d: ModuleDeps & {
    io: IoServer;
    kioskTokens: KioskTokensService;
    presence: PresenceStore;
    /** Since when and why NinjaOne is disconnected (null when connected), for the wallboard's alert. */
    ninjaOneDisconnection: DashboardDeps['ninjaOneDisconnection'];
    /** Which agents are transcribed live now (the live module owns the sessions). */
    agentsStreaming: DashboardDeps['agentsStreaming'];
    settings: SettingsStore;
  },
): DashboardModule {
  const service = new DashboardService({
    sequelize: d.sequelize,
    models: d.models,
    redis: d.redis,
    redisPrefix: d.config.redisPrefix,
    queues: d.queues,
    presence: d.presence,
    now: d.now,
    ninjaOneDisconnection: d.ninjaOneDisconnection,
    agentsStreaming: d.agentsStreaming,
    thresholds: () => d.settings.value(ALERT_THRESHOLDS_SETTING),
  });
  registerDashboardRoutes(d.routes, {
    dashboard: service,
    kioskTokens: d.kioskTokens,
    audit: d.audit,
    fanOut: d.fanOut,
  });

  const wallboard = new WallboardNotifier(d.fanOut, d.logger);
  registerAlertRoutes(d.routes, { store: d.settings, audit: d.audit, wallboard });
  // Every published event that changes the figures (the fan-out table says which) and the queues.
  d.fanOut.onFigures((reason) => wallboard.notify(reason));
  wallboard.watchQueues(d.redis, d.config.redisPrefix);

  // The extension keeps no socket: the wallboard follows agents from the calls they report.
  const fromCalls = callPresencePublisher(d.presence, d.fanOut, d.logger, d.now);
  for (const event of ['call.started', 'call.updated', 'call.ended'] as const) {
    d.fanOut.on(event, (call) => fromCalls(event, call));
  }
  const sockets = servePresence({
    io: d.io,
    presence: d.presence,
    fanOut: d.fanOut,
    logger: d.logger,
  });

  return {
    service,
    kioskTokens: d.kioskTokens,
    presence: d.presence,
    wallboard,
    stop: () => sockets.stop(),
    close: () => wallboard.close(),
  };
}
