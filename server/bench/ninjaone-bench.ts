/**
 * Costs on the ticket path, per call, at the sizes a large helpdesk reaches:
 * - caller matching against a directory of N NinjaOne people (E.164 with libphonenumber), the
 *   first call (index built) and the next ones (index reused), against a plain scan comparing
 *   pre-normalised strings (the floor);
 * - building a ticket (redaction + text + HTML) for a long transcript, against one regex pass
 *   over the same text (the floor).
 *
 *   npx tsx server/bench/ninjaone-bench.ts [people=10000] [segments=2400] [runs=5]
 */
import type { Segment } from '@cwn/protocol';
import { CallerMatcher } from '../src/ninjaone/caller-match';
import type { DirectoryPerson, NinjaOneDirectory } from '../src/ninjaone/directory';
import { toE164 } from '../src/ninjaone/phone';
import { buildTicketContent } from '../src/tickets/ticket-builder';

const peopleCount = Number(process.argv[2] ?? 10_000);
const segmentCount = Number(process.argv[3] ?? 2_400);
const runs = Number(process.argv[4] ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const formats = [
  (n: string) => `0${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 9)}`,
  (n: string) => `+33 ${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 9)}`,
  (n: string) => `0033${n}`,
  (n: string) => `0${n[0]}.${n.slice(1, 3)}.${n.slice(3, 5)}.${n.slice(5, 7)}.${n.slice(7, 9)}`,
];
const people: DirectoryPerson[] = Array.from({ length: peopleCount }, (_, i) => {
  const national = `6${String(10_000_000 + i * 7).padStart(8, '0')}`;
  return {
    kind: i % 2 ? 'contact' : 'end_user',
    id: i + 1,
    uid: `uid-${i}`,
    name: `Person ${i}`,
    organizationId: (i % 500) + 1,
    phone: formats[i % formats.length]!(national),
  };
});
const directory = {
  people: async () => people,
  organizations: async () => [],
} as unknown as NinjaOneDirectory;
const callers = Array.from(
  { length: 50 },
  (_, i) => `06 ${String(10_000_000 + i * 7919 * 7).slice(0, 8)}`,
);

const words =
  'bonjour mon imprimante ne marche plus depuis ce matin et le code est 4 5 8 2 merci'.split(' ');
const segments: Segment[] = Array.from({ length: segmentCount }, (_, i) => ({
  speaker: i % 2 ? 'caller' : 'agent',
  startMs: i * 6_000,
  endMs: i * 6_000 + 5_000,
  text:
    Array.from({ length: 15 }, (_, j) => words[(i + j) % words.length]).join(' ') +
    (i % 200 === 0 ? ' ma carte 4111 1111 1111 1111' : ''),
}));
const material = {
  transcriptId: '00000000-0000-4000-8000-000000000001',
  language: 'fr',
  segments,
  validatedAt: new Date(),
  validatedBy: null,
  call: {
    id: '00000000-0000-4000-8000-000000000002',
    direction: 'inbound' as const,
    remoteNumber: '06 12 34 56 78',
    remoteName: null,
    startedAt: new Date(0),
    endedAt: new Date(segmentCount * 6_000),
    agent: { id: '00000000-0000-4000-8000-000000000003', name: 'Agent' },
  },
};

async function main() {
  const rows: Array<[string, number, string]> = [];

  // Floor: the caller normalised once, then a scan over pre-normalised numbers.
  const normalised = people.map((p) => toE164(p.phone, 'FR'));
  const floor = median(
    await Promise.all(
      Array.from({ length: runs }, () =>
        time(() =>
          callers.forEach((c) => {
            const e164 = toE164(c, 'FR');
            return normalised.filter((n) => n === e164);
          }),
        ),
      ),
    ),
  );
  rows.push(['match: scan of pre-normalised numbers (floor)', floor / callers.length, '1.0']);

  const first: number[] = [];
  const next: number[] = [];
  for (let r = 0; r < runs; r += 1) {
    const matcher = new CallerMatcher(directory);
    first.push(await time(() => matcher.match(callers[0]!, 'FR')));
    next.push(
      (await time(async () => {
        for (const c of callers) await matcher.match(c, 'FR');
      })) / callers.length,
    );
  }
  rows.push([
    'match: first call (directory indexed)',
    median(first),
    (median(first) / (floor / callers.length)).toFixed(1),
  ]);
  rows.push([
    'match: next calls (index reused)',
    median(next),
    (median(next) / (floor / callers.length)).toFixed(3),
  ]);

  const text = segments.map((s) => s.text).join('\n');
  const scan = median(
    await Promise.all(
      Array.from({ length: runs }, () => time(() => [...text.matchAll(/\d/g)].length)),
    ),
  );
  rows.push([`ticket: one regex pass over ${segmentCount} segments (floor)`, scan, '1.0']);
  const build = median(
    await Promise.all(
      Array.from({ length: runs }, () =>
        time(() =>
          buildTicketContent(material, {
            publicUrl: 'http://x',
            subjectTemplate: null,
            externalRef: 'CWN-1',
            callerLabel: null,
          }),
        ),
      ),
    ),
  );
  rows.push([
    `ticket: redact + build text and HTML (${segmentCount} segments)`,
    build,
    (build / scan).toFixed(1),
  ]);

  console.log(`people=${peopleCount} segments=${segmentCount} runs=${runs} (median)\n`);
  console.log('| what | ms | × floor |\n| --- | ---: | ---: |');
  for (const [what, ms, ratio] of rows) console.log(`| ${what} | ${ms.toFixed(3)} | ${ratio} |`);
}

void main();
