import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import {
  API_ROUTES,
  KIOSK_TOKEN_PREFIX,
  type ApiRoute,
  type ApiRoutes,
  type HttpMethod,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteQuery,
} from '@cwn/protocol';
import { bearerToken, type Authenticator, type WorkerAuthenticator } from './authenticate';
import { HttpError } from './errors';
import { ROUTE_POLICY, type Access } from './policy';
import type { AuthUser } from './request-context';

type Method = HttpMethod;

export interface RouteContext<B, Q, P> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  /** The caller; null only on public routes. */
  user: AuthUser | null;
}

export interface RegisteredRoute {
  name: RouteName;
  method: Method;
  path: string;
  access: Access;
}

function validationError(where: string, error: z.ZodError): HttpError {
  const details = error.issues.map((i) => ({
    path: [where, ...i.path].join('.'),
    message: i.message,
  }));
  const first = details[0];
  return new HttpError(
    400,
    'validation_failed',
    first ? `${first.path}: ${first.message}` : `invalid ${where}`,
    details,
  );
}

/** The path of the first string (value or key) holding U+0000, which PostgreSQL cannot store. */
function nulAt(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulAt(value[i], [...path, i]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = k.includes('\u0000') ? [...path, k] : nulAt(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string) {
  const nul = nulAt(value);
  if (nul) {
    const field = [where, ...nul].join('.');
    const message = 'must not contain NUL characters';
    throw new HttpError(400, 'validation_failed', `${field}: ${message}`, [
      { path: field, message },
    ]);
  }
  if (!schema) return value as z.infer<T>;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}

/** JSON bodies of every route that does not read its body raw. */
const jsonBody: RequestHandler = express.json({ limit: '1mb' });

/** What a route's handler receives: params, query and body parsed with the route's schemas. */
export type RouteHandler<N extends RouteName> = (
  ctx: RouteContext<RouteBody<ApiRoutes[N]>, RouteQuery<ApiRoutes[N]>, RouteParams<ApiRoutes[N]>>,
) => unknown;

/**
 * Registers the handlers of the routes of the table in protocol (`API_ROUTES`, by name) on a router
 * after looking their access up in ROUTE_POLICY, and validates params/query/body with the route's
 * zod schemas. Handlers return the response body (sent as JSON) or write to `res` themselves.
 * `assertComplete` (called once every module is built) fails when a route of the table has no
 * handler. The OpenAPI document is generated from the same table (../openapi/document.ts).
 */
export class RouteTable {
  readonly registered: RegisteredRoute[] = [];

  constructor(
    private readonly router: Router,
    private readonly authenticate: Authenticator,
    private readonly policy: Readonly<Record<string, Access>> = ROUTE_POLICY,
    private readonly authenticateWorker: WorkerAuthenticator = () => {
      throw HttpError.unauthorized('internal routes are not enabled');
    },
    /** Checks a kiosk token (routes whose policy lists 'kiosk'); true when valid and not revoked. */
    private readonly verifyKioskToken?: (token: string) => Promise<boolean>,
  ) {}

  /** Registers the handler of the table's route `name` (once). */
  handle<N extends RouteName>(name: N, handler: RouteHandler<N>): void {
    const spec: ApiRoute | undefined = (API_ROUTES as Record<string, ApiRoute>)[name];
    if (!spec)
      throw new Error(`route ${String(name)} is not in the route table (protocol/src/routes)`);
    this.add(spec, handler as (ctx: RouteContext<unknown, unknown, unknown>) => unknown);
  }

  /**
   * Registers a handler for `spec`, which must be a route of the table (handlers are registered
   * by name: `handle`); a route without a ROUTE_POLICY entry is refused first.
   */
  add(spec: ApiRoute, handler: (ctx: RouteContext<unknown, unknown, unknown>) => unknown): void {
    const key = `${spec.method.toUpperCase()} ${spec.path}`;
    const access = this.policy[key];
    if (access === undefined) {
      throw new Error(`route ${key} has no entry in ROUTE_POLICY (server/src/http/policy.ts)`);
    }
    const name = (Object.keys(API_ROUTES) as RouteName[]).find((n) => API_ROUTES[n] === spec);
    if (!name) throw new Error(`route ${key} is not in the route table (protocol/src/routes)`);
    if (this.registered.some((r) => r.name === name)) {
      throw new Error(`route ${name} has a handler already`);
    }
    this.registered.push({ name, method: spec.method, path: spec.path, access });

    this.router[spec.method](
      spec.path,
      ...(spec.rawBody ? [] : [jsonBody]),
      async (req: Request, res: Response) => {
        let user: AuthUser | null = null;
        if (access === 'worker') {
          this.authenticateWorker(req);
        } else if (
          access !== 'public' &&
          bearerToken(req.headers.authorization)?.startsWith(KIOSK_TOKEN_PREFIX)
        ) {
          const bearer = bearerToken(req.headers.authorization)!;
          // Kiosk screens: read-only, only where the policy lists 'kiosk'; `user` stays null.
          if (access === 'authenticated' || !access.includes('kiosk') || !this.verifyKioskToken) {
            throw HttpError.forbidden(
              `kiosk tokens may not ${spec.method.toUpperCase()} ${spec.path}`,
            );
          }
          if (!(await this.verifyKioskToken(bearer))) {
            throw HttpError.unauthorized('this kiosk token is unknown or was revoked');
          }
        } else if (access !== 'public') {
          user = await this.authenticate(req);
          if (access !== 'authenticated' && !access.includes(user.role)) {
            throw HttpError.forbidden(
              `${user.role}s may not ${spec.method.toUpperCase()} ${spec.path}`,
            );
          }
          req.user = user;
        }
        const params = parse(spec.params, req.params, 'params');
        const query = parse(spec.query, req.query, 'query');
        let body: unknown = undefined;
        if (spec.body) {
          if (req.body === undefined) {
            if (req.headers['content-type'] && !req.is('application/json')) {
              throw HttpError.unsupportedMediaType(
                'expected a JSON body (Content-Type: application/json)',
              );
            }
            throw HttpError.badRequest('request body must be a JSON object');
          }
          body = parse(spec.body, req.body, 'body');
        }
        const result = await handler({ req, res, body, query, params, user });
        if (res.headersSent || res.writableEnded) return;
        const status = spec.status ?? 200;
        if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
        else res.status(status).json(result);
      },
    );
  }

  /** The table's routes that have no handler; none once the app is built. */
  unhandled(): RouteName[] {
    const done = new Set(this.registered.map((r) => r.name));
    return (Object.keys(API_ROUTES) as RouteName[]).filter((n) => !done.has(n));
  }

  assertComplete(): void {
    const missing = this.unhandled();
    if (missing.length) {
      throw new Error(`routes of the table without a handler: ${missing.join(', ')}`);
    }
  }
}
