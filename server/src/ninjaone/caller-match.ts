import type { CallerMatch } from '@cwn/protocol';
import type { DirectoryPerson, NinjaOneDirectory } from './directory';
import { toE164 } from './phone';

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

  async match(
    number: string | null,
    region: string,
  ): Promise<{ e164: string | null; match: CallerMatch }> {
    const e164 = toE164(number, region);
    if (!e164) return { e164, match: { kind: 'none' } };
    const people = this.index(await this.directory.people(), region).get(e164) ?? [];
    const byOrg = new Map<number, DirectoryPerson>();
    for (const p of people) if (!byOrg.has(p.organizationId)) byOrg.set(p.organizationId, p);
    if (byOrg.size === 0) return { e164, match: { kind: 'none' } };
    const strip = ({ phone: _phone, ...person }: DirectoryPerson) => person;
    if (byOrg.size === 1) {
      const [organizationId, person] = [...byOrg.entries()][0]!;
      return { e164, match: { kind: 'matched', organizationId, contact: strip(person) } };
    }
    const orgs = new Map((await this.directory.organizations()).map((o) => [o.id, o.name]));
    return {
      e164,
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
