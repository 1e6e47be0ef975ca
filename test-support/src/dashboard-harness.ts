import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { TokenPair } from '@cwn/protocol';
import type { AppOptions } from '../../server/src/app';
import { startTestApp, TEST_PASSWORD, type TestApp } from './app';
import { launchChromium } from './dashboard-browser';
import { FrontServer } from './dashboard-front';
import { migratedDatabase } from './services';

export interface DashboardHarnessOptions {
  /**
   * A database of the file's own, migrated, named after this tag (and dropped at close): for tests
   * that create agents, calls or settings the other dashboard tests must not see. Without it, the
   * dashboard tests' shared database.
   */
  ownDatabase?: string;
  /**
   * The file's Redis prefix is the dashboard tests' one (which their global teardown removes)
   * followed by `-<redisTag>-<random>`; always one of its own, so queues and heartbeats stay in it.
   */
  redisTag: string;
  /**
   * The server's environment, given the front's address (`base`): the front listens first, so that
   * the address can be the server's PUBLIC_URL or a simulator's redirect URI.
   */
  env?: (front: { base: string }) => Record<string, string> | Promise<Record<string, string>>;
  /** Passed to createApp (a clock, …). */
  app?: AppOptions;
}

export interface SignedInOptions {
  viewport?: { width: number; height: number };
  /** A browser context with this locale (its own context); else a page in the default one. */
  locale?: string;
  /** The page's default timeout, ms (10 s). */
  timeoutMs?: number;
}

export interface DashboardHarness {
  /** The real server (`startTestApp`). */
  t: TestApp;
  /** The dashboard's address: the generated SPA and, same origin, the server behind it. */
  base: string;
  front: FrontServer;
  browser: Browser;
  /** The Redis prefix of this file. */
  redisPrefix: string;
  /** A new page signed in as `pair` through the login form, on the page it lands on. */
  signedIn(pair: TokenPair, options?: SignedInOptions): Promise<Page>;
  /** Closes the browser, the front, the server, and drops the database of its own. */
  close(): Promise<void>;
}

/**
 * What each dashboard browser test starts: the real server in process, the same-origin front that
 * serves the generated dashboard before it, Chromium, and the login form to sign people in. The
 * dashboard's jest global setup must have run (it builds the dashboard and sets the shared
 * database and Redis prefix).
 */
export async function startDashboardHarness(
  options: DashboardHarnessOptions,
): Promise<DashboardHarness> {
  const sharedPrefix = process.env.CWN_DASHBOARD_TEST_REDIS_PREFIX;
  const sharedDatabase = process.env.CWN_DASHBOARD_TEST_DATABASE_URL;
  if (!sharedPrefix || !sharedDatabase)
    throw new Error('the nuxt-dashboard test global setup did not run');
  const redisPrefix = `${sharedPrefix}-${options.redisTag}-${randomBytes(3).toString('hex')}`;
  const opened: { close(): Promise<unknown> }[] = [];
  const close = async () => {
    // Last opened, first closed; each one even when an earlier one fails.
    const errors: unknown[] = [];
    for (const o of opened.splice(0).reverse())
      await o.close().catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  };
  try {
    const db = options.ownDatabase ? await migratedDatabase(options.ownDatabase) : null;
    if (db) opened.push({ close: () => db.drop() });
    const front = new FrontServer();
    const base = await front.listen();
    opened.push(front);
    const env = (await options.env?.({ base })) ?? {};
    const t = await startTestApp(
      { DATABASE_URL: db?.url ?? sharedDatabase, REDIS_PREFIX: redisPrefix, ...env },
      options.app,
    );
    opened.push(t);
    front.setBackend(t.server);
    const browser = await launchChromium();
    opened.push(browser);
    return {
      t,
      base,
      front,
      browser,
      redisPrefix,
      async signedIn(pair, o = {}) {
        const viewport = o.viewport ?? { width: 1280, height: 900 };
        const page = o.locale
          ? await (await browser.newContext({ viewport, locale: o.locale })).newPage()
          : await browser.newPage({ viewport });
        page.setDefaultTimeout(o.timeoutMs ?? 10_000);
        await page.goto(`${base}/login`);
        await page.fill('input[name=email]', pair.user.email);
        await page.fill('input[name=password]', TEST_PASSWORD);
        await page.click('button[type=submit]');
        await page.waitForURL((u) => u.pathname !== '/login');
        return page;
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
