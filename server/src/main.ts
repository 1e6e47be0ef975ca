import { createApp } from './app';
import { configOrExit } from './bootstrap';
import { migrateUp } from './db/migrator';
import { startMaintenanceWorker } from './retention/maintenance';

async function main(): Promise<void> {
  const config = configOrExit();
  const instance = createApp(config);
  const { logger } = instance;

  await instance.sequelize.authenticate().catch((err: Error) => {
    throw new Error(`cannot reach PostgreSQL at DATABASE_URL: ${err.message}`);
  });
  if (config.migrateOnStart) {
    const applied = await migrateUp(instance.sequelize, logger);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  if (config.firstAdmin) {
    const created = await instance.services.users.ensureAdmin(
      config.firstAdmin.email,
      config.firstAdmin.password,
    );
    if (created) logger.info({ email: config.firstAdmin.email }, 'first admin created');
  }

  // The daily job at the hour and time zone in force (stored by an admin, else the environment's).
  await instance.retention.schedule();
  const requeued = await instance.recordings.ingest.requeueStranded();
  if (requeued) logger.info({ requeued }, 'queued recordings left unqueued by an earlier failure');
  const maintenance = startMaintenanceWorker({
    redis: instance.redis,
    prefix: config.redisPrefix,
    retention: instance.retention.service,
    logger,
  });

  const address = await instance.listen();
  logger.info(
    { address: `${address.address}:${address.port}`, publicUrl: config.publicUrl },
    'server listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    maintenance
      .close()
      .then(() => instance.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
