import type { NinjaOnePerson } from '@cwn/protocol';
import {
  ApiOrganization,
  ApiPerson,
  ApiStatus,
  ApiTicketForm,
  parseList,
  type ApiStatus as Status,
  type ApiTicketForm as TicketForm,
  type ApiOrganization as Organization,
} from './api-types';
import type { NinjaOneClient } from './client';
import { NinjaOneError } from './errors';

const ORG_PAGE = 200;

export interface DirectoryPerson extends NinjaOnePerson {
  phone: string | null;
}

interface Entry<T> {
  at: number;
  fingerprint: string;
  value: Promise<T>;
}

/**
 * NinjaOne lookups (organizations, contacts and end users, ticket forms, statuses) cached in
 * memory for `ttlMs` (default 5 min) and keyed on the settings fingerprint. NinjaOne has no
 * search by phone (ninjaone.md §3.2), so people are pulled whole and matched locally.
 */
export class NinjaOneDirectory {
  private readonly cache = new Map<string, Entry<unknown>>();

  constructor(
    private readonly client: NinjaOneClient,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

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

  organizations(): Promise<Organization[]> {
    return this.cached('organizations', async () => {
      const all: Organization[] = [];
      let after: number | undefined;
      for (;;) {
        const page = parseList(
          ApiOrganization,
          await this.client.request('GET', '/organizations', {
            query: { pageSize: ORG_PAGE, after },
          }),
          'organizations',
        );
        all.push(...page);
        if (page.length < ORG_PAGE) return all.sort((a, b) => a.name.localeCompare(b.name));
        after = page[page.length - 1]!.id;
      }
    });
  }

  /** Contacts and end users with an organization (end users missing on fed-like instances). */
  people(): Promise<DirectoryPerson[]> {
    return this.cached('people', async () => {
      const contacts = parseList(
        ApiPerson,
        await this.client.request('GET', '/contacts'),
        'contacts',
      );
      let endUsers: ApiPerson[] = [];
      try {
        endUsers = parseList(
          ApiPerson,
          await this.client.request('GET', '/user/end-users'),
          'end users',
        );
      } catch (err) {
        if (!(err instanceof NinjaOneError && err.status === 404)) throw err;
      }
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
      return [...contacts.flatMap(toPerson('contact')), ...endUsers.flatMap(toPerson('end_user'))];
    });
  }

  ticketForms(): Promise<TicketForm[]> {
    return this.cached('ticketForms', async () =>
      parseList(
        ApiTicketForm,
        await this.client.request('GET', '/ticketing/ticket-form'),
        'ticket forms',
      ),
    );
  }

  statuses(): Promise<Status[]> {
    return this.cached('statuses', async () =>
      parseList(ApiStatus, await this.client.request('GET', '/ticketing/statuses'), 'statuses'),
    );
  }
}
