import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';

export function createOpenApiRegistry(): OpenAPIRegistry {
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
  return registry;
}

export function generateOpenApiDocument(registry: OpenAPIRegistry, serverUrl: string) {
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
