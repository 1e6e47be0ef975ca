import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { API_ROUTES, ErrorBody, type ApiRoute } from '@cwn/protocol';
import { ROUTE_POLICY, type Access } from '../http/policy';

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

function describeAccess(access: Access): string {
  if (access === 'public') return 'Public.';
  if (access === 'authenticated') return 'Any logged-in user.';
  if (access === 'worker') {
    return 'Transcription workers only: `Authorization: Bearer <WORKER_TOKEN>`; user tokens get 403.';
  }
  return `Roles: ${access.join(', ')}${access.includes('kiosk') ? ' (kiosk: a kiosk token as bearer)' : ''}.`;
}

function registerRoute(registry: OpenAPIRegistry, spec: ApiRoute, access: Access): void {
  const responses: Record<string, unknown> = {
    [String(spec.status ?? 200)]: spec.response
      ? { description: 'OK', content: { 'application/json': { schema: spec.response } } }
      : { description: 'OK' },
    default: { description: 'Error', content: { 'application/json': { schema: ErrorBody } } },
  };
  registry.registerPath({
    method: spec.method,
    path: toOpenApiPath(spec.path),
    summary: spec.summary,
    tags: spec.tags ? [...spec.tags] : undefined,
    description: describeAccess(access),
    security:
      access === 'public' ? [] : access === 'worker' ? [{ workerToken: [] }] : [{ bearerAuth: [] }],
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

/**
 * The registry of every route of the table in protocol, described with the access the server
 * enforces (ROUTE_POLICY).
 */
export function createOpenApiRegistry(
  policy: Readonly<Record<string, Access>> = ROUTE_POLICY,
): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  registry.registerComponent('securitySchemes', 'workerToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The shared WORKER_TOKEN of the transcription workers (internal routes only).',
  });
  for (const spec of Object.values(API_ROUTES) as ApiRoute[]) {
    const access = policy[`${spec.method.toUpperCase()} ${spec.path}`];
    if (access === undefined) {
      throw new Error(
        `route ${spec.method.toUpperCase()} ${spec.path} has no entry in ROUTE_POLICY (server/src/http/policy.ts)`,
      );
    }
    registerRoute(registry, spec, access);
  }
  return registry;
}

export function generateOpenApiDocument(serverUrl: string, registry = createOpenApiRegistry()) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: '3cx-whisper-ninjaone API',
      version: '0.1.0',
      description:
        'REST API of the server. Errors always have the body { error: { code, message, details? } }.',
    },
    servers: [{ url: serverUrl }],
  });
}
