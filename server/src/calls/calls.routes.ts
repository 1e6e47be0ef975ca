import { z } from 'zod';
import {
  Call,
  CallDetail,
  CallList,
  CreateCallRequest,
  Id,
  ListCallsQuery,
  UpdateCallRequest,
} from '@cwn/protocol';
import type { RouteTable } from '../http/routes';
import type { CallsService } from './calls.service';

const IdParams = z.object({ id: Id });

export function registerCallRoutes(routes: RouteTable, calls: CallsService): void {
  routes.add(
    {
      method: 'post',
      path: '/api/calls',
      summary:
        'Report a new call (idempotent on agent + 3CX call id: 201 when created, 200 with the same call on a repeat)',
      tags: ['calls'],
      body: CreateCallRequest,
      response: Call,
      status: 201,
    },
    async ({ res, body, user }) => {
      const { call, created } = await calls.create(user!, body);
      res.status(created ? 201 : 200).json(call);
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/calls/:id',
      summary: 'Report what happened to a call: answered, held, resumed or ended (its agent only)',
      tags: ['calls'],
      params: IdParams,
      body: UpdateCallRequest,
      response: Call,
    },
    async ({ params, body, user }) => calls.update(user!, params.id, body),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/calls',
      summary: 'Calls, newest first, with filters and cursor paging (agents: their own only)',
      tags: ['calls'],
      query: ListCallsQuery,
      response: CallList,
    },
    async ({ query, user }) => calls.list(user!, query),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/calls/:id',
      summary: 'One call with its recording and transcript (agents: their own only, else 404)',
      tags: ['calls'],
      params: IdParams,
      response: CallDetail,
    },
    async ({ params, user }) => calls.get(user!, params.id),
  );
}
