import pino from 'pino';
import type { Logger } from './worker';

/**
 * The worker's log: pino JSON lines like the server's (`npm start` prints them readably). A line
 * whose details carry an `error` is logged at error level. Job details name recordings and calls
 * by id only; nothing about the caller is passed here.
 */
export function createLog(level = 'info', destination?: pino.DestinationStream): Logger {
  const logger = pino(
    { level, base: { service: 'worker-gpu' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
  return (msg, extra) => {
    if (extra && 'error' in extra) logger.error(extra, msg);
    else logger.info(extra ?? {}, msg);
  };
}
