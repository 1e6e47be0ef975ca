/** Resource types that come and go with jest's own work (console output, module loading). */
const IGNORED = new Set(['PipeWrap', 'TTYWrap', 'FSReqCallback', 'FSReqPromise', 'Immediate']);

function counts(resources: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of resources) if (!IGNORED.has(r)) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/**
 * What keeps the event loop alive now and did not at `before` (a `process.getActiveResourcesInfo()`
 * taken earlier in the same test): timers and sockets something forgot to stop. Resources that are
 * still winding down (a socket closing, a last timer) get `settleMs` to go; a leak stays.
 * Returns e.g. `['Timeout ×2']`, or [] when nothing is left behind.
 */
export async function leftBehind(before: string[], settleMs = 8_000): Promise<string[]> {
  const base = counts(before);
  const extra = () =>
    [...counts(process.getActiveResourcesInfo())]
      .filter(([type, n]) => n > (base.get(type) ?? 0))
      .map(([type, n]) => `${type} ×${n - (base.get(type) ?? 0)}`);
  const deadline = Date.now() + settleMs;
  let now = extra();
  while (now.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    // The polling timer above is gone once awaited; jest's own test timer was there at `before`.
    now = extra();
  }
  return now;
}
