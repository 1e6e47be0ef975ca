import type { NinjaOnePerson } from '@cwn/protocol';
import type { z } from 'zod';
import type { Logger } from '../logger';
import {
  ApiDevice,
  ApiOrganization,
  ApiPerson,
  ApiStatus,
  ApiTicketForm,
  logSkipped,
  parseListLenient,
  type ApiStatus as Status,
  type ApiTicketForm as TicketForm,
  type ApiOrganization as Organization,
} from './api-types';
import type { NinjaOneClient } from './client';
import { NinjaOneError } from './errors';

const PAGE_SIZE = 200;
/** A runaway cursor stops here (200 × 500 = 100 000 records). */
const MAX_PAGES = 500;

export interface DirectoryPerson extends NinjaOnePerson {
  phone: string | null;
}

export interface DirectoryPeople {
  list: DirectoryPerson[];
  /** People lists this tenant would not give us (e.g. contacts 404/403), with NinjaOne's reason. */
  gaps: string[];
}

interface Entry<T> {
  at: number;
  fingerprint: string;
  value: Promise<T>;
}

export interface NinjaOneDirectoryOptions {
  ttlMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * NinjaOne lookups (organizations, contacts and end users, ticket forms, statuses) cached in
 * memory for `ttlMs` (default 5 min) and keyed on the settings fingerprint. NinjaOne has no
 * search by phone (ninjaone.md §3.2), so people are pulled whole and matched locally. Records
 * that do not parse are skipped and counted (logged once per list and count).
 */
export class NinjaOneDirectory {
  private readonly cache = new Map<string, Entry<unknown>>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly skippedLogged = new Map<string, number>();
  private readonly logger: Pick<Logger, 'warn'> | undefined;

  constructor(
    private readonly client: NinjaOneClient,
    o: NinjaOneDirectoryOptions = {},
  ) {
    this.ttlMs = o.ttlMs ?? 5 * 60_000;
    this.now = o.now ?? Date.now;
    this.logger = o.logger;
  }

  clear(): void {
    this.cache.clear();
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const { fingerprint } = await this.client.config();
    const hit = this.cache.get(key) as Entry<T> | undefined;
    if (hit && hit.fingerprint === fingerprint && this.now() - hit.at < this.ttlMs)
      return hit.value;
    const value = load();
    this.cache.set(key, { at: this.now(), fingerprint, value });
    value.catch(() => this.cache.delete(key)); // failures are not cached
    return value;
  }

  private parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T>[] {
    const r = parseListLenient(schema, body, what);
    if (r.skipped > 0 && this.skippedLogged.get(what) !== r.skipped) {
      this.skippedLogged.set(what, r.skipped);
      logSkipped(this.logger, what, r);
    }
    return r.items;
  }

  /**
   * Every page of a `pageSize` + `after` list, until an empty page: a tenant may cap the page
   * size below what we ask, so a short page is not the last one. An endpoint that ignores the
   * cursor (answers records we already have) ends the loop too.
   */
  private async pages<T extends z.ZodType<{ id: number }>>(
    path: string,
    schema: T,
    what: string,
  ): Promise<z.infer<T>[]> {
    const all = new Map<number, z.infer<T>>();
    let after: number | undefined;
    for (let n = 0; n < MAX_PAGES; n += 1) {
      const body = await this.client.request('GET', path, {
        query: { pageSize: PAGE_SIZE, after },
      });
      const page = this.parse(schema, body, what);
      const fresh = page.filter((x) => !all.has(x.id));
      // An empty page, or one that moves nowhere (the endpoint ignores the cursor).
      if (fresh.length === 0) break;
      for (const x of fresh) all.set(x.id, x);
      // More than we asked for: this endpoint does not page, that was the whole list.
      if (page.length > PAGE_SIZE) break;
      after = Math.max(...fresh.map((x) => x.id), after ?? 0);
    }
    return [...all.values()];
  }

  organizations(): Promise<Organization[]> {
    return this.cached('organizations', async () =>
      (await this.pages('/organizations', ApiOrganization, 'organizations')).sort((a, b) =>
        a.name.localeCompare(b.name),
      ),
    );
  }

  /**
   * Contacts and end users with an organization. A list this tenant refuses or lacks (404/403:
   * fed-like instances, restricted apps) is left out and named in `gaps`; other failures throw.
   */
  people(): Promise<DirectoryPeople> {
    return this.cached('people', async () => {
      const gaps: string[] = [];
      const read = async (path: string, what: string): Promise<ApiPerson[]> => {
        try {
          return await this.pages(path, ApiPerson, what);
        } catch (err) {
          if (!(err instanceof NinjaOneError && (err.status === 404 || err.status === 403)))
            throw err;
          gaps.push(`${what}: ${err.message}`);
          return [];
        }
      };
      const contacts = await read('/contacts', 'contacts');
      const endUsers = await read('/user/end-users', 'end users');
      if (gaps.length) this.logger?.warn({ gaps }, 'ninjaone people lists unavailable');
      const toPerson =
        (kind: NinjaOnePerson['kind']) =>
        (p: ApiPerson): DirectoryPerson[] =>
          p.organizationId
            ? [
                {
                  kind,
                  id: p.id,
                  uid: p.uid,
                  name:
                    [p.firstName, p.lastName].filter(Boolean).join(' ') || p.email || `#${p.id}`,
                  organizationId: p.organizationId,
                  phone: p.phone ?? null,
                },
              ]
            : [];
      return {
        list: [...contacts.flatMap(toPerson('contact')), ...endUsers.flatMap(toPerson('end_user'))],
        gaps,
      };
    });
  }

  /** One organization's devices (their names feed the transcription's vocabulary). */
  organizationDevices(organizationId: number): Promise<ApiDevice[]> {
    return this.cached(`devices:${organizationId}`, () =>
      this.pages(`/organization/${organizationId}/devices`, ApiDevice, 'devices'),
    );
  }

  ticketForms(): Promise<TicketForm[]> {
    return this.cached('ticketForms', async () =>
      this.parse(
        ApiTicketForm,
        await this.client.request('GET', '/ticketing/ticket-form'),
        'ticket forms',
      ),
    );
  }

  statuses(): Promise<Status[]> {
    return this.cached('statuses', async () =>
      this.parse(ApiStatus, await this.client.request('GET', '/ticketing/statuses'), 'statuses'),
    );
  }
}
