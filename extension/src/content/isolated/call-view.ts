/**
 * Reads the calls the 3CX web client's call view shows: the caller's name
 * (`.remote-display-title`), number (`.remote-display-subtitle`) and direction (the visually hidden
 * label, `.cdk-visually-hidden`, of the call: "Incoming call" / "Outgoing call"). The class names
 * come from a public scraper (docs: /work/shared/reference/capture.md §1.3, not tied to 3CX for
 * certain), so this is only used for calls the push socket did not describe, and anything it cannot
 * read stays null.
 */
import type { DomCall } from '../../shared/messages';

const INBOUND = /\b(incoming|inbound|entrant|eingehend)\b/i;
const OUTBOUND = /\b(outgoing|outbound|sortant|ausgehend)\b/i;
/** A phone number as 3CX shows it: digits with spaces, dots, dashes, parentheses, a leading +. */
const NUMBER = /\+?\(?\d[\d\s().-]{1,38}\d/;

const text = (el: Element | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

/** The element holding one call: the closest ancestor of its title that also holds its subtitle. */
function callElement(title: Element): Element {
  let el: Element = title;
  while (el.parentElement && !el.querySelector('.remote-display-subtitle')) el = el.parentElement;
  return el;
}

export function readCallView(root: ParentNode): DomCall[] {
  const calls: DomCall[] = [];
  for (const title of root.querySelectorAll('.remote-display-title')) {
    const call = callElement(title);
    const number = NUMBER.exec(text(call.querySelector('.remote-display-subtitle')))?.[0] ?? null;
    const hidden = [...call.querySelectorAll('.cdk-visually-hidden')].map(text).join(' ');
    const name = text(title);
    calls.push({
      remoteName: name ? name.slice(0, 200) : null,
      remoteNumber: number ? number.replace(/\s+/g, ' ').slice(0, 100) : null,
      direction: INBOUND.test(hidden) ? 'inbound' : OUTBOUND.test(hidden) ? 'outbound' : null,
    });
    if (calls.length === 20) break;
  }
  return calls;
}

/**
 * Calls `onChange` with the call view's calls whenever they change. Not debounced beyond the
 * observer's own batching: the reading must reach the service worker before the peer connection
 * the agent's click creates, because the call is reported to the server when that appears.
 */
export function watchCallView(doc: Document, onChange: (calls: DomCall[]) => void): void {
  let last = '[]';
  const check = () => {
    const calls = readCallView(doc);
    const key = JSON.stringify(calls);
    if (key === last) return;
    last = key;
    onChange(calls);
  };
  const observer = new MutationObserver(check);
  const start = () => {
    observer.observe(doc.documentElement, { childList: true, subtree: true, characterData: true });
    check();
  };
  if (doc.documentElement) start();
  else doc.addEventListener('DOMContentLoaded', start, { once: true });
}
