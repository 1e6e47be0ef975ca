import { ConnectionError, DatabaseError } from 'sequelize';

/** SQLSTATEs that say "the server cannot serve now", not "this query is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]$|53300$)/;

/**
 * True when `err` means PostgreSQL could not be reached or went away (refused, timed out, pool
 * exhausted, connection cut mid-query, shutting down, too many connections): the request may
 * succeed when sent again, so it is a 503 and not a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (!(err instanceof DatabaseError)) return false;
  const original = (err as { original?: { code?: unknown; message?: unknown } }).original;
  if (typeof original?.code === 'string')
    return UNAVAILABLE_SQLSTATE.test(original.code) || original.code === 'ECONNRESET';
  // node-postgres has no code for a connection that ended under a query.
  return typeof original?.message === 'string' && /^Connection terminated/.test(original.message);
}

/** Seconds a client should wait before sending a request that met an unreachable database again. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
