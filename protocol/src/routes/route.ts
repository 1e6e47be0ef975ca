import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One REST route: what the server registers, the OpenAPI document describes and the typed client
 * calls. Access (who may call it) is the server's decision (server/src/http/policy.ts), not part of
 * the contract.
 */
export interface ApiRoute {
  method: HttpMethod;
  /** Express-style path, `:name` for each path parameter. */
  path: string;
  summary: string;
  tags?: readonly string[];
  params?: z.ZodType;
  query?: z.ZodType;
  /** JSON request body. */
  body?: z.ZodType;
  /** JSON response body (validated by the client). */
  response?: z.ZodType;
  /** Success status (default 200; 204 sends no body). */
  status?: number;
  /**
   * The request body is raw bytes of one of these content types (audio): the server does not parse
   * it as JSON and the handler checks the type itself.
   */
  rawBody?: readonly string[];
  /** The response is binary (or text) of this content type, not JSON: the client hands the Response back. */
  rawResponse?: string;
  /** Extra OpenAPI fields (headers, raw bodies, other statuses). */
  openapi?: Readonly<Record<string, unknown>>;
}

/** Declares a route, keeping its literal method, path and schema types for the client and the server. */
export const route = <const R extends ApiRoute>(r: R): R => r;

type Out<S> = S extends z.ZodType ? z.output<S> : unknown;
type In<S> = S extends z.ZodType ? z.input<S> : never;

/** What the server's handler receives, parsed. */
export type RouteParams<R> = R extends { params: infer S } ? Out<S> : unknown;
export type RouteQuery<R> = R extends { query: infer S } ? Out<S> : unknown;
export type RouteBody<R> = R extends { body: infer S } ? Out<S> : unknown;

/** What a client sends. */
export type RouteParamsInput<R> = R extends { params: infer S } ? In<S> : never;
export type RouteQueryInput<R> = R extends { query: infer S } ? In<S> : never;
export type RouteBodyInput<R> = R extends { body: infer S } ? In<S> : never;

/** What a client gets back: the parsed JSON, nothing for 204, the Response for raw routes. */
export type RouteResult<R> = R extends { rawResponse: string }
  ? Response
  : R extends { response: infer S }
    ? Out<S>
    : R extends { status: 204 }
      ? void
      : unknown;
