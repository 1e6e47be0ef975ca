import { z } from 'zod';
import { Call, CallList, CreateCallRequest, ListCallsQuery, UpdateCallRequest } from '../calls';
import { CallDetail } from '../call-detail';
import { Id } from '../common';
import { route } from './route';

const IdParams = z.object({ id: Id });

export const callsRoutes = {
  createCall: route({
    method: 'post',
    path: '/api/calls',
    summary:
      'Report a new call (idempotent on agent + 3CX call id: 201 when created, 200 with the same call on a repeat)',
    tags: ['calls'],
    body: CreateCallRequest,
    response: Call,
    status: 201,
  }),
  updateCall: route({
    method: 'patch',
    path: '/api/calls/:id',
    summary: 'Report what happened to a call: answered, held, resumed or ended (its agent only)',
    tags: ['calls'],
    params: IdParams,
    body: UpdateCallRequest,
    response: Call,
  }),
  listCalls: route({
    method: 'get',
    path: '/api/calls',
    summary: 'Calls, newest first, with filters and cursor paging (agents: their own only)',
    tags: ['calls'],
    query: ListCallsQuery,
    response: CallList,
  }),
  getCall: route({
    method: 'get',
    path: '/api/calls/:id',
    summary: 'One call with its recording and transcript (agents: their own only, else 404)',
    tags: ['calls'],
    params: IdParams,
    response: CallDetail,
  }),
};
