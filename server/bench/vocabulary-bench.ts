/**
 * What the NinjaOne vocabulary adds to queueing one call's transcription, from a warm directory
 * cache (the usual case: five minutes): matching the caller among N people, gathering the
 * matched organization's names (its people and devices) and bounding the prompt to Whisper's 224
 * tokens, against composing the admins' prompt alone (the floor).
 *
 *   npx tsx server/bench/vocabulary-bench.ts [people=10000] [orgSize=300] [runs=200]
 */
import { composeWhisperPrompt } from '@cwn/protocol';
import { CallerMatcher } from '../src/ninjaone/caller-match';
import type { DirectoryPerson, NinjaOneDirectory } from '../src/ninjaone/directory';
import { NinjaOneVocabulary } from '../src/ninjaone/vocabulary';

const peopleCount = Number(process.argv[2] ?? 10_000);
const orgSize = Number(process.argv[3] ?? 300);
const runs = Number(process.argv[4] ?? 200);
const orgs = Math.max(1, Math.ceil(peopleCount / orgSize));

const people: DirectoryPerson[] = Array.from({ length: peopleCount }, (_, i) => ({
  kind: 'contact',
  id: i + 1,
  uid: `u${i}`,
  name: `Prénom${i} Nom${i}`,
  organizationId: (i % orgs) + 1,
  phone: `06${String(10_000_000 + i * 7).padStart(8, '0')}`,
}));
const organizations = Array.from({ length: orgs }, (_, i) => ({ id: i + 1, name: `Client ${i}` }));
const devices = Array.from({ length: 80 }, (_, i) => ({
  id: i,
  organizationId: 1,
  displayName: `PC-CLIENT-${i}`,
}));
const directory = {
  organizations: async () => organizations,
  people: async () => ({ list: people, gaps: [] }),
  organizationDevices: async () => devices,
} as unknown as NinjaOneDirectory;
const vocabulary = new NinjaOneVocabulary({
  settings: { resolve: async () => ({ phoneRegion: 'FR' }) } as never,
  matcher: new CallerMatcher(directory),
  directory,
  logger: { warn: () => undefined },
});
const caller = people[0]!.phone!;
const glossary = 'Fortinet, Kerberos, imprimante Ricoh, VPN, Outlook, Teams, SharePoint';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main() {
  const first = performance.now();
  await vocabulary.forNumber(caller); // builds the number index, as the first call of a cache does
  const firstMs = performance.now() - first;
  const withNames: number[] = [];
  const floor: number[] = [];
  let terms = 0;
  let prompt = '';
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    const v = await vocabulary.forNumber(caller);
    prompt = composeWhisperPrompt({ vocabulary: v, prompt: glossary });
    withNames.push(performance.now() - t0);
    terms = v.length;
    t0 = performance.now();
    composeWhisperPrompt({ prompt: glossary });
    floor.push(performance.now() - t0);
  }
  console.log(`people ${peopleCount}, organizations ${orgs}, names of the matched one ${terms}`);
  console.log('| step | median ms |');
  console.log('| --- | --- |');
  console.log(`| first call (number index built) | ${firstMs.toFixed(2)} |`);
  console.log(`| match + names + bounded prompt | ${median(withNames).toFixed(3)} |`);
  console.log(`| admins' prompt alone (floor) | ${median(floor).toFixed(3)} |`);
  console.log(`prompt: ${prompt.length} characters, starts "${prompt.slice(0, 60)}…"`);
}

void main();
