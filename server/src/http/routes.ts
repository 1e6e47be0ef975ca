import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { ErrorBody, KIOSK_TOKEN_PREFIX } from '@cwn/protocol';
import { bearerToken, type Authenticator, type WorkerAuthenticator } from './authenticate';
import { HttpError } from './errors';
import { ROUTE_POLICY, type Access } from './policy';
import type { AuthUser } from './request-context';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<
  B extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
> {
  method: Method;
  path: string;
  summary: string;
  tags?: string[];
  body?: B;
  query?: Q;
  params?: P;
  /** Response schema, for the OpenAPI document. */
  response?: z.ZodType;
  /** Success status (default 200; 204 sends no body). */
  status?: number;
  /** Extra OpenAPI fields (for streaming endpoints that describe their own bodies). */
  openapi?: Record<string, unknown>;
  /**
   * The handler reads the request body itself (raw audio) and checks its content type: no JSON
   * parsing, so a mislabelled WAV gets the handler's 415 rather than the JSON parser's 400 or 413.
   */
  rawBody?: boolean;
}

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

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

/** JSON bodies of every route that does not read its body raw. */
const jsonBody: RequestHandler = express.json({ limit: '1mb' });

/**
 * Registers routes on a router after looking their access up in ROUTE_POLICY, validates
 * params/query/body with the route's zod schemas, and documents the route in the OpenAPI registry.
 * Handlers return the response body (sent as JSON) or write to `res` themselves.
 */
export class RouteTable {
  readonly registered: RegisteredRoute[] = [];

  constructor(
    private readonly router: Router,
    private readonly authenticate: Authenticator,
    private readonly registry: OpenAPIRegistry,
    private readonly policy: Readonly<Record<string, Access>> = ROUTE_POLICY,
    private readonly authenticateWorker: WorkerAuthenticator = () => {
      throw HttpError.unauthorized('internal routes are not enabled');
    },
    /** Checks a kiosk token (routes whose policy lists 'kiosk'); true when valid and not revoked. */
    private readonly verifyKioskToken?: (token: string) => Promise<boolean>,
  ) {}

  add<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType>(
    spec: RouteSpec<B, Q, P>,
    handler: (ctx: RouteContext<z.infer<B>, z.infer<Q>, z.infer<P>>) => unknown,
  ): void {
    const key = `${spec.method.toUpperCase()} ${spec.path}`;
    const access = this.policy[key];
    if (access === undefined) {
      throw new Error(`route ${key} has no entry in ROUTE_POLICY (server/src/http/policy.ts)`);
    }
    this.registered.push({ method: spec.method, path: spec.path, access });
    this.document(spec, access);

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
        const result = await handler({ req, res, body, query, params, user } as RouteContext<
          z.infer<B>,
          z.infer<Q>,
          z.infer<P>
        >);
        if (res.headersSent || res.writableEnded) return;
        const status = spec.status ?? 200;
        if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
        else res.status(status).json(result);
      },
    );
  }

  private document(spec: RouteSpec, access: Access): void {
    const responses: Record<string, unknown> = {
      [String(spec.status ?? 200)]: spec.response
        ? { description: 'OK', content: { 'application/json': { schema: spec.response } } }
        : { description: 'OK' },
      default: { description: 'Error', content: { 'application/json': { schema: ErrorBody } } },
    };
    this.registry.registerPath({
      method: spec.method,
      path: toOpenApiPath(spec.path),
      summary: spec.summary,
      tags: spec.tags,
      description:
        access === 'public'
          ? 'Public.'
          : access === 'authenticated'
            ? 'Any logged-in user.'
            : access === 'worker'
              ? 'Transcription workers only: `Authorization: Bearer <WORKER_TOKEN>`; user tokens get 403.'
              : `Roles: ${access.join(', ')}${access.includes('kiosk') ? ' (kiosk: a kiosk token as bearer)' : ''}.`,
      security:
        access === 'public'
          ? []
          : access === 'worker'
            ? [{ workerToken: [] }]
            : [{ bearerAuth: [] }],
      request: {
        ...(spec.params ? { params: spec.params as z.ZodObject } : {}),
        ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
        ...(spec.body
          ? { body: { content: { 'application/json': { schema: spec.body } }, required: true } }
          : {}),
      },
      responses: responses as never,
      ...(spec.openapi ?? {}),
    });
  }
}
