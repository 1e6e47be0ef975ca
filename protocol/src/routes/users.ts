import { z } from 'zod';
import {
  AgentList,
  CreateUserRequest,
  ResetPasswordRequest,
  UpdateUserRequest,
  User,
  UserList,
} from '../users';
import { Id } from '../common';
import { route } from './route';

const IdParams = z.object({ id: Id });

export const usersRoutes = {
  listUsers: route({
    method: 'get',
    path: '/api/users',
    summary: 'List users',
    tags: ['users'],
    response: UserList,
  }),
  listAgents: route({
    method: 'get',
    path: '/api/agents',
    summary: 'The active agents (id, name, extension), for filters; managers may read it too',
    tags: ['users'],
    response: AgentList,
  }),
  getUser: route({
    method: 'get',
    path: '/api/users/:id',
    summary: 'One user',
    tags: ['users'],
    params: IdParams,
    response: User,
  }),
  createUser: route({
    method: 'post',
    path: '/api/users',
    summary: 'Create a user (agents may have a 3CX extension number)',
    tags: ['users'],
    body: CreateUserRequest,
    response: User,
    status: 201,
  }),
  updateUser: route({
    method: 'patch',
    path: '/api/users/:id',
    summary: 'Change a user (name, role, extension, active); deactivating ends their sessions',
    tags: ['users'],
    params: IdParams,
    body: UpdateUserRequest,
    response: User,
  }),
  resetUserPassword: route({
    method: 'post',
    path: '/api/users/:id/reset-password',
    summary: "Set a new password for a user; ends the user's sessions",
    tags: ['users'],
    params: IdParams,
    body: ResetPasswordRequest,
    status: 204,
  }),
};
