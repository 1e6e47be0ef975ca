import { CallerMatchResponse, NinjaOneOrganizationList } from '@cwn/protocol';
import type { HttpClient } from './http';

/** The organization picker's data: NinjaOne's organizations and the caller's likely one. */
export const ninjaOneApi = (http: HttpClient) => ({
  organizations: () => http.json(NinjaOneOrganizationList, '/api/ninjaone/organizations'),
  callerMatch: (number: string) =>
    http.json(CallerMatchResponse, '/api/ninjaone/caller-match', { query: { number } }),
});
export type NinjaOneApi = ReturnType<typeof ninjaOneApi>;
