import express from 'express';
import { API_ROUTES, type RouteName } from '@cwn/protocol';
import { ROUTE_POLICY } from './policy';
import { RouteTable } from './routes';

const names = Object.keys(API_ROUTES) as RouteName[];
const table = () =>
  new RouteTable(express.Router(), () => Promise.reject(new Error('no authentication here')));

describe('the route table in protocol and the server’s handlers', () => {
  it('a handler for a name the table does not hold is refused', () => {
    expect(() => table().handle('noSuchRoute' as RouteName, () => undefined)).toThrow(
      'route noSuchRoute is not in the route table',
    );
  });

  it('a route spec that is not the table’s is refused, even with a policy entry', () => {
    const copy = { ...API_ROUTES.getCall };
    expect(() => table().add(copy, () => undefined)).toThrow(
      'route GET /api/calls/:id is not in the route table',
    );
  });

  it('a second handler for the same route is refused', () => {
    const routes = table();
    routes.handle('healthz', () => ({ status: 'ok' }));
    expect(() => routes.handle('healthz', () => ({ status: 'ok' }))).toThrow(
      'route healthz has a handler already',
    );
  });

  it('assertComplete names every route of the table left without a handler', () => {
    const routes = table();
    for (const name of names.filter((n) => n !== 'getCall' && n !== 'login')) {
      routes.handle(name, () => undefined);
    }
    expect(routes.unhandled().sort()).toEqual(['getCall', 'login']);
    expect(() => routes.assertComplete()).toThrow(
      'routes of the table without a handler: login, getCall',
    );
    routes.handle('getCall', () => undefined);
    routes.handle('login', () => undefined);
    expect(() => routes.assertComplete()).not.toThrow();
  });

  it('every route of the table has an access policy, and every policy entry is a route of the table', () => {
    const keys = Object.values(API_ROUTES).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => ROUTE_POLICY[k] === undefined)).toEqual([]);
    expect(Object.keys(ROUTE_POLICY).filter((k) => !keys.includes(k))).toEqual([]);
  });
});
