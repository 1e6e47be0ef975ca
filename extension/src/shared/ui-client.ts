/** How the popup and the options page talk to the service worker. */
import type { UiRequest } from './messages';
import { browser } from './browser';

type Request = UiRequest extends infer R ? (R extends unknown ? Omit<R, 'target'> : never) : never;

export async function askBackground<T>(request: Request): Promise<T> {
  const answer = (await browser.runtime.sendMessage({ ...request, target: 'background' })) as
    { ok: true; result: T } | { ok: false; error: string } | undefined;
  if (!answer) throw new Error('the extension did not answer');
  if (!answer.ok) throw new Error(answer.error);
  return answer.result;
}
