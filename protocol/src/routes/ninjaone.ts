import {
  CallerMatchQuery,
  CallerMatchResponse,
  NinjaOneCallbackQuery,
  NinjaOneConnectResponse,
  NinjaOneOrganizationList,
  NinjaOneSettings,
  NinjaOneSettingsUpdate,
  NinjaOneTestResult,
  NinjaOneTicketOptions,
} from '../ninjaone';
import { route } from './route';

export const ninjaoneRoutes = {
  getNinjaOneSettings: route({
    method: 'get',
    path: '/api/settings/ninjaone',
    summary: 'NinjaOne settings (secrets never returned)',
    tags: ['ninjaone'],
    response: NinjaOneSettings,
  }),
  putNinjaOneSettings: route({
    method: 'put',
    path: '/api/settings/ninjaone',
    summary: 'Replace the NinjaOne settings; omit clientSecret to keep the stored one',
    tags: ['ninjaone'],
    body: NinjaOneSettingsUpdate,
    response: NinjaOneSettings,
  }),
  testNinjaOne: route({
    method: 'post',
    path: '/api/settings/ninjaone/test',
    summary: 'Test the connection and whether this tenant lets us create tickets (creates none)',
    tags: ['ninjaone'],
    response: NinjaOneTestResult,
  }),
  connectNinjaOne: route({
    method: 'get',
    path: '/api/ninjaone/connect',
    summary: 'Start the authorization-code connection: returns the NinjaOne sign-in URL',
    tags: ['ninjaone'],
    response: NinjaOneConnectResponse,
  }),
  ninjaOneCallback: route({
    method: 'get',
    path: '/api/ninjaone/callback',
    summary:
      'Where NinjaOne sends the browser back after sign-in (state-checked); redirects to the admin page',
    tags: ['ninjaone'],
    query: NinjaOneCallbackQuery,
  }),
  listNinjaOneOrganizations: route({
    method: 'get',
    path: '/api/ninjaone/organizations',
    summary: 'NinjaOne organizations, for the organization picker (cached)',
    tags: ['ninjaone'],
    response: NinjaOneOrganizationList,
  }),
  matchCaller: route({
    method: 'get',
    path: '/api/ninjaone/caller-match',
    summary: 'Which NinjaOne organization a phone number belongs to',
    tags: ['ninjaone'],
    query: CallerMatchQuery,
    response: CallerMatchResponse,
  }),
  getTicketOptions: route({
    method: 'get',
    path: '/api/ninjaone/ticket-options',
    summary: 'The tenant’s ticket forms and statuses, for the settings page (cached)',
    tags: ['ninjaone'],
    response: NinjaOneTicketOptions,
  }),
};
