import type { NinjaOneTestResult } from '@cwn/protocol';
import { apiMessage, NinjaOneError, USER_CONTEXT_MESSAGE } from './errors';
import type { NinjaOneClient } from './client';
import type { NinjaOneDirectory } from './directory';

/**
 * Tests the saved settings: (1) a token and an authenticated read (organizations); (2) whether
 * this tenant lets this auth mode create tickets, WITHOUT creating one: an empty create body is
 * sent. A tenant that refuses machine tokens answers 403 user_context_required before looking at
 * the body; one that allows writes rejects the body as invalid (4xx validation). That ordering is
 * what community clients report and the simulator does; it is unverified on a live tenant, so the
 * answer says how it was found.
 */
export async function testNinjaOneConnection(
  client: NinjaOneClient,
  directory: NinjaOneDirectory,
): Promise<NinjaOneTestResult> {
  client.forgetToken();
  directory.clear();
  let organizations: number;
  try {
    organizations = (await directory.organizations()).length;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      connection: { ok: false, message },
      ticketWrite: { allowed: 'unknown', message: 'not tested: the connection failed' },
      organizations: null,
    };
  }
  const connection = { ok: true, message: `connected; ${organizations} organization(s) visible` };
  try {
    const probe = await client.raw('POST', '/ticketing/ticket', { body: {} });
    const { code, message } = apiMessage(probe.body);
    if (code === 'user_context_required') {
      return {
        connection,
        ticketWrite: { allowed: 'no', message: USER_CONTEXT_MESSAGE },
        organizations,
      };
    }
    if (probe.status === 401 || probe.status === 403) {
      return {
        connection,
        ticketWrite: {
          allowed: 'no',
          message: `NinjaOne refused a ticket write (${probe.status}${message ? `: ${message}` : ''}); the client app needs the "management" scope`,
        },
        organizations,
      };
    }
    if (probe.status === 400 || probe.status === 422) {
      return {
        connection,
        ticketWrite: {
          allowed: 'yes',
          message:
            'a deliberately empty ticket was refused for its content, not for permissions: writes are allowed (no ticket was created)',
        },
        organizations,
      };
    }
    return {
      connection,
      ticketWrite: {
        allowed: 'unknown',
        message: `unexpected answer to the write probe (${probe.status}); the first real ticket will tell`,
      },
      organizations,
    };
  } catch (err) {
    const message =
      err instanceof NinjaOneError || err instanceof Error ? err.message : String(err);
    return {
      connection,
      ticketWrite: { allowed: 'unknown', message: `write probe failed: ${message}` },
      organizations,
    };
  }
}
