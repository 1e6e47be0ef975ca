import { z } from 'zod';
import {
  CreateKioskTokenRequest,
  CreatedKioskToken,
  DashboardSummary,
  KioskToken,
  KioskTokenList,
} from '../dashboard';
import { AlertThresholds, AlertThresholdsView } from '../settings';
import { Id } from '../common';
import { route } from './route';

const IdParams = z.object({ id: Id });

export const dashboardRoutes = {
  getDashboardSummary: route({
    method: 'get',
    path: '/api/dashboard/summary',
    summary: 'Everything the TV wallboard shows (also with a kiosk token)',
    tags: ['dashboard'],
    response: DashboardSummary,
  }),
  listKioskTokens: route({
    method: 'get',
    path: '/api/kiosk-tokens',
    summary: 'List kiosk tokens',
    tags: ['dashboard'],
    response: KioskTokenList,
  }),
  createKioskToken: route({
    method: 'post',
    path: '/api/kiosk-tokens',
    summary: 'Create a read-only kiosk token for a wall screen (the secret is returned once)',
    tags: ['dashboard'],
    body: CreateKioskTokenRequest,
    response: CreatedKioskToken,
    status: 201,
  }),
  revokeKioskToken: route({
    method: 'delete',
    path: '/api/kiosk-tokens/:id',
    summary: 'Revoke a kiosk token; its screens are disconnected at once',
    tags: ['dashboard'],
    params: IdParams,
    response: KioskToken,
  }),
  getAlertSettings: route({
    method: 'get',
    path: '/api/admin/alerts',
    summary: 'The wallboard alert thresholds in force, and the environment’s defaults',
    tags: ['dashboard'],
    response: AlertThresholdsView,
  }),
  putAlertSettings: route({
    method: 'put',
    path: '/api/admin/alerts',
    summary: 'Change the alert thresholds; the next summary is computed with them',
    tags: ['dashboard'],
    body: AlertThresholds,
    response: AlertThresholdsView,
  }),
  resetAlertSettings: route({
    method: 'delete',
    path: '/api/admin/alerts',
    summary: 'Forget the stored alert thresholds: the environment’s apply again',
    tags: ['dashboard'],
    response: AlertThresholdsView,
  }),
};
