import type { CallerMatch } from '@cwn/protocol';
import type { DirectoryPeople, DirectoryPerson, NinjaOneDirectory } from './directory';
import { NinjaOneError } from './errors';
import { toE164 } from './phone';

export interface CallerMatchResult {
  e164: string | null;
  match: CallerMatch;
  /** Why the lookup was incomplete or failed (shown); null when it worked. */
  lookupError: string | null;
  /** The lookup failed outright and trying later may help (NinjaOne down, throttled). */
  lookupRetryable: boolean;
}

type Index = Map<string, DirectoryPerson[]>;

/**
 * Matches a caller's number to NinjaOne people by E.164: one organization → matched (the first
 * contact, contacts before end users); several organizations → ambiguous (a person chooses);
 * none → none. Numbers that cannot be read on either side never match. The directory's numbers
 * are normalised once per directory load and region (an index), not on every call.
 */
export class CallerMatcher {
  private readonly indexes = new WeakMap<DirectoryPerson[], Map<string, Index>>();

  constructor(private readonly directory: NinjaOneDirectory) {}

  private index(people: DirectoryPerson[], region: string): Index {
    let byRegion = this.indexes.get(people);
    if (!byRegion) this.indexes.set(people, (byRegion = new Map()));
    let index = byRegion.get(region);
    if (!index) {
      index = new Map();
      for (const p of people) {
        const e164 = toE164(p.phone, region);
        if (!e164) continue;
        const list = index.get(e164);
        if (list) list.push(p);
        else index.set(e164, [p]);
      }
      byRegion.set(region, index);
    }
    return index;
  }

  /**
   * A lookup NinjaOne refuses or fails degrades to "none" with the reason in `lookupError`
   * (never an exception), except when NinjaOne is not configured or not connected.
   */
  async match(number: string | null, region: string): Promise<CallerMatchResult> {
    const e164 = toE164(number, region);
    const none = (
      lookupError: string | null = null,
      lookupRetryable = false,
    ): CallerMatchResult => ({
      e164,
      match: { kind: 'none' },
      lookupError,
      lookupRetryable,
    });
    if (!e164) return none();
    let directory: DirectoryPeople;
    try {
      directory = await this.directory.people();
    } catch (err) {
      // Failures that are not about the lookup itself (no settings, no connection) are not degraded.
      if (!(err instanceof NinjaOneError) || err.conflict) throw err;
      return none(`the caller lookup failed: ${err.message}`, err.kind === 'retryable');
    }
    const gaps = directory.gaps.length
      ? `the caller lookup is incomplete: ${directory.gaps.join('; ')}`
      : null;
    const people = this.index(directory.list, region).get(e164) ?? [];
    const byOrg = new Map<number, DirectoryPerson>();
    for (const p of people) if (!byOrg.has(p.organizationId)) byOrg.set(p.organizationId, p);
    if (byOrg.size === 0) return none(gaps);
    const strip = ({ phone: _phone, ...person }: DirectoryPerson) => person;
    if (byOrg.size === 1) {
      const [organizationId, person] = [...byOrg.entries()][0]!;
      return {
        e164,
        match: { kind: 'matched', organizationId, contact: strip(person) },
        lookupError: gaps,
        lookupRetryable: false,
      };
    }
    // Names are a nicety: without them the candidates still carry their ids.
    const orgs = new Map(
      (await this.directory.organizations().catch(() => [])).map((o) => [o.id, o.name]),
    );
    return {
      e164,
      lookupError: gaps,
      lookupRetryable: false,
      match: {
        kind: 'ambiguous',
        candidates: [...byOrg.entries()].map(([organizationId, person]) => ({
          organizationId,
          organizationName: orgs.get(organizationId) ?? `#${organizationId}`,
          contact: strip(person),
        })),
      },
    };
  }
}
