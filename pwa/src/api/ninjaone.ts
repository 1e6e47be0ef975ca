import type { ApiClient } from './http';

/** The organization picker's data: NinjaOne's organizations and the caller's likely one. */
export const ninjaOneApi = (api: ApiClient) => ({
  organizations: () => api.listNinjaOneOrganizations(),
  callerMatch: (number: string) => api.matchCaller({ query: { number } }),
});
export type NinjaOneApi = ReturnType<typeof ninjaOneApi>;
