import type { CallerMatch } from '@cwn/protocol';
import type { NinjaOneDirectory } from './directory';
import { toE164 } from './phone';

/**
 * Matches a caller's number to NinjaOne people by E.164: one organization → matched (the first
 * contact, contacts before end users); several organizations → ambiguous (a person chooses);
 * none → none. Numbers that cannot be read on either side never match.
 */
export class CallerMatcher {
  constructor(private readonly directory: NinjaOneDirectory) {}

  async match(
    number: string | null,
    region: string,
  ): Promise<{ e164: string | null; match: CallerMatch }> {
    const e164 = toE164(number, region);
    if (!e164) return { e164, match: { kind: 'none' } };
    const people = (await this.directory.people()).filter((p) => toE164(p.phone, region) === e164);
    const byOrg = new Map<number, (typeof people)[number]>();
    for (const p of people) if (!byOrg.has(p.organizationId)) byOrg.set(p.organizationId, p);
    if (byOrg.size === 0) return { e164, match: { kind: 'none' } };
    const strip = ({ phone: _phone, ...person }: (typeof people)[number]) => person;
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
