import { REDACTION_MARKERS, type Segment } from '@cwn/protocol';
import { buildTicketContent, SUBJECT_MAX } from './ticket-builder';
import type { TicketMaterial } from './ticket-source';

const seg = (speaker: Segment['speaker'], startMs: number, text: string): Segment => ({
  speaker,
  startMs,
  endMs: startMs + 1000,
  text,
});

function material(segments: Segment[]): TicketMaterial {
  return {
    transcriptId: '00000000-0000-4000-8000-000000000001',
    language: 'fr',
    segments,
    validatedAt: new Date('2026-11-25T10:05:00Z'),
    validatedBy: { id: '00000000-0000-4000-8000-000000000009', name: 'Marie Manager' },
    call: {
      id: '00000000-0000-4000-8000-000000000002',
      direction: 'inbound',
      remoteNumber: '+33 6 12 34 56 78',
      remoteName: null,
      startedAt: new Date('2026-11-25T10:00:00Z'),
      endedAt: new Date('2026-11-25T10:03:12Z'),
      agent: { id: '00000000-0000-4000-8000-000000000003', name: 'Alice Agent' },
    },
  };
}

const options = {
  publicUrl: 'https://cwn.example',
  subjectTemplate: null,
  externalRef: 'CWN-abc123',
  callerLabel: 'Sophie Dupont',
};

describe('buildTicketContent', () => {
  it('labels speakers, stamps times, links back to the call and carries the reference', () => {
    const c = buildTicketContent(
      material([
        seg('agent', 0, 'Support, bonjour.'),
        seg('caller', 65_000, 'Mon imprimante <HP> ne marche plus & je suis bloquée.'),
      ]),
      options,
    );
    expect(c.subject).toBe(
      'Call from Sophie Dupont: Mon imprimante <HP> ne marche plus & je suis bloquée. [CWN-abc123]',
    );
    expect(c.body).toContain('[00:00] Agent: Support, bonjour.');
    expect(c.body).toContain('[01:05] Caller: Mon imprimante <HP> ne marche plus');
    expect(c.body).toContain(
      'Recording and transcript: https://cwn.example/calls/00000000-0000-4000-8000-000000000002',
    );
    expect(c.body).toContain('Duration: 3 min 12 s');
    expect(c.body).toContain('Validated by: Marie Manager');
    expect(c.htmlBody).toContain(
      '<strong>Caller:</strong> Mon imprimante &lt;HP&gt; ne marche plus &amp; je suis',
    );
    expect(c.htmlBody).toContain(
      '<a href="https://cwn.example/calls/00000000-0000-4000-8000-000000000002">',
    );
  });

  it('redacts card numbers, IBANs and secrets everywhere, the subject included', () => {
    const c = buildTicketContent(
      material([
        seg('caller', 0, 'Ma carte est 4111 1111 1111 1111 et mon mot de passe est soleil123.'),
        seg('agent', 2000, 'Merci. The PIN is 1234.'),
      ]),
      options,
    );
    for (const leaked of ['4111', 'soleil123', '1234']) {
      expect(c.subject).not.toContain(leaked);
      expect(c.body).not.toContain(leaked);
      expect(c.htmlBody).not.toContain(leaked);
    }
    expect(c.body).toContain(REDACTION_MARKERS.card);
    expect(c.body).toContain(REDACTION_MARKERS.secret);
    expect(c.redactions).toBe(3);
  });

  it('fills a subject template and keeps the subject within NinjaOne’s 200 characters', () => {
    const c = buildTicketContent(material([seg('caller', 0, 'x '.repeat(300))]), {
      ...options,
      subjectTemplate: '{agent} – {number} – {date} – {firstWords}',
    });
    expect(
      c.subject.startsWith('Alice Agent – +33 6 12 34 56 78 – 2026-11-25 10:00 UTC – x x'),
    ).toBe(true);
    const long = buildTicketContent(material([seg('caller', 0, 'word')]), {
      ...options,
      subjectTemplate: 'y'.repeat(400),
    });
    expect(long.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(long.subject.endsWith('[CWN-abc123]')).toBe(true);
  });

  it('says so when the transcript is empty', () => {
    expect(buildTicketContent(material([]), options).subject).toBe(
      'Call from Sophie Dupont: (empty transcript) [CWN-abc123]',
    );
  });
});
