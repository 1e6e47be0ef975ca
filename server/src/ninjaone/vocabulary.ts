import type { Logger } from '../logger';
import type { CallerMatcher } from './caller-match';
import type { NinjaOneDirectory } from './directory';
import type { NinjaOneSettingsService } from './settings.service';

/** At most this many names from one organization (the prompt's budget bounds them further). */
export const MAX_VOCABULARY_TERMS = 120;

/**
 * Proper nouns for the transcription of a call from `number` (decision 1611): when the number
 * matches one NinjaOne organization, the person who matched, the organization's name, its other
 * contacts and end users, then its devices' names — most specific first, so the bound on Whisper's
 * prompt drops the least specific. Only that organization's names: an ambiguous number (several
 * organizations) or none gives nothing. Lists come from the directory's cache (five minutes). A
 * NinjaOne that is not set up, not connected or failing gives nothing too: the call is
 * transcribed without its names rather than not at all (logged without the number).
 */
export class NinjaOneVocabulary {
  constructor(
    private readonly d: {
      settings: Pick<NinjaOneSettingsService, 'resolve'>;
      matcher: CallerMatcher;
      directory: NinjaOneDirectory;
      logger: Pick<Logger, 'warn'>;
    },
  ) {}

  async forNumber(number: string | null): Promise<string[]> {
    if (!number) return [];
    try {
      const { phoneRegion } = await this.d.settings.resolve();
      const { match } = await this.d.matcher.match(number, phoneRegion);
      if (match.kind !== 'matched') return [];
      const orgId = match.organizationId;
      const [orgs, people, devices] = await Promise.all([
        this.d.directory.organizations(),
        this.d.directory.people(),
        this.d.directory.organizationDevices(orgId).catch(() => []),
      ]);
      const terms = [
        match.contact.name,
        orgs.find((o) => o.id === orgId)?.name,
        ...people.list.filter((p) => p.organizationId === orgId).map((p) => p.name),
        ...devices
          .filter((x) => x.organizationId == null || x.organizationId === orgId)
          .map((x) => x.displayName || x.systemName),
      ];
      const seen = new Set<string>();
      const out: string[] = [];
      for (const raw of terms) {
        const t = raw?.replace(/\s+/g, ' ').trim().slice(0, 200);
        // "#12" stands for a person without a name; an e-mail address is no word to hear
        if (!t || /^#\d+$/.test(t) || t.includes('@') || seen.has(t.toLowerCase())) continue;
        seen.add(t.toLowerCase());
        out.push(t);
        if (out.length >= MAX_VOCABULARY_TERMS) break;
      }
      return out;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'not_configured' && code !== 'not_connected')
        this.d.logger.warn(
          { error: err instanceof Error ? err.name : 'error' },
          'ninjaone vocabulary unavailable: the call is transcribed without its names',
        );
      return [];
    }
  }
}
