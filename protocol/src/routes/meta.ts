import { route } from './route';

export const metaRoutes = {
  openapi: route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This API, as OpenAPI 3.1',
    tags: ['meta'],
    rawResponse: 'application/json',
  }),
};
