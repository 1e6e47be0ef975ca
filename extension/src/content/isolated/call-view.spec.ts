import { readCallView } from './call-view';

/** A minimal DOM: what readCallView uses of it (querySelectorAll, parentElement, textContent). */
class El {
  parentElement: El | null = null;
  children: El[] = [];
  constructor(
    readonly className = '',
    readonly ownText = '',
  ) {}
  add(...kids: El[]): this {
    for (const k of kids) {
      k.parentElement = this;
      this.children.push(k);
    }
    return this;
  }
  get textContent(): string {
    return this.ownText + this.children.map((c) => c.textContent).join('');
  }
  private all(): El[] {
    return this.children.flatMap((c) => [c, ...c.all()]);
  }
  querySelectorAll(sel: string): El[] {
    return this.all().filter((e) => e.className.split(' ').includes(sel.slice(1)));
  }
  querySelector(sel: string): El | null {
    return this.querySelectorAll(sel)[0] ?? null;
  }
}

const view = (hidden: string, name: string, subtitle: string) =>
  new El('call-view').add(
    new El('cdk-visually-hidden', hidden),
    new El('remote').add(new El('remote-display-title', name)),
    new El('remote-display-subtitle', subtitle),
  );

describe('reading the call view', () => {
  it('reads name, number and direction of each call shown', () => {
    const root = new El().add(
      view('Incoming call', ' Ada  Lovelace ', '+49 30 1234567'),
      view('Appel sortant', 'Grace Hopper', 'Mobile: (555) 010-0100 · 00:12'),
    );
    expect(readCallView(root as unknown as ParentNode)).toEqual([
      { remoteName: 'Ada Lovelace', remoteNumber: '+49 30 1234567', direction: 'inbound' },
      { remoteName: 'Grace Hopper', remoteNumber: '(555) 010-0100', direction: 'outbound' },
    ]);
  });

  it('leaves null what it cannot read', () => {
    const root = new El().add(view('', '', 'Conference'));
    expect(readCallView(root as unknown as ParentNode)).toEqual([
      { remoteName: null, remoteNumber: null, direction: null },
    ]);
  });
});
