/**
 * The `/v2` resource API (also mounted at `/api/v2`): auth middleware, rate limiting, instance
 * variants, and the lookup endpoints (organizations, locations, devices, contacts and users,
 * ticket forms, statuses and boards).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request } from 'express';
import { z } from 'zod';
import { locals, notFound, reply, replyRaw, validationFailed } from './http';
import type { SimState } from './state';
import { boardMatches, requireWrite } from './guards';
import { incidentId } from './state';
import { registerTicketRoutes, zodMessages } from './tickets';
import type { Contact, Device, EndUser, Location, Organization, Technician } from './types';

function intParam(v: unknown): number | null {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** `pageSize` + `after` (last id) paging over a list sorted by id (capped by `maxPageSize`). */
function pageById<T extends { id: number }>(state: SimState, req: Request, list: T[]): T[] {
  const q = req.query as Record<string, string | undefined>;
  const after = intParam(q.after) ?? 0;
  const size = state.pageSize(intParam(q.pageSize), null);
  const sorted = [...list].sort((a, b) => a.id - b.id).filter((x) => x.id > after);
  return size && size > 0 ? sorted.slice(0, size) : sorted;
}

const orgOut = (o: Organization) => ({ ...o });
const locOut = (l: Location) => ({ ...l });
const contactOut = (c: Contact) => ({ ...c });
const endUserOut = (u: EndUser) => ({ ...u });
const techOut = (t: Technician) => ({ ...t });
const deviceOut = (d: Device) => {
  const { ipAddresses: _ip, macAddresses: _mac, publicIP: _pub, notes: _notes, ...rest } = d;
  return rest;
};

/** The tiny subset of NinjaOne's device filter (`df`) the product could use; AND only. */
function deviceFilter(df: string): ((d: Device) => boolean) | string {
  const preds: Array<(d: Device) => boolean> = [];
  for (const raw of df.split(/\s+AND\s+/i)) {
    const clause = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(org|loc|id|class|status)\s*=\s*(\S+)$/i.exec(clause))) {
      const [, key, val] = m as unknown as [string, string, string];
      preds.push(fieldPred(key.toLowerCase(), [val]));
    } else if ((m = /^(org|loc|id|class|status)\s+in\s*\(([^)]*)\)$/i.exec(clause))) {
      const [, key, vals] = m as unknown as [string, string, string];
      preds.push(
        fieldPred(
          key.toLowerCase(),
          vals.split(',').map((v) => v.trim()),
        ),
      );
    } else if (/^online$/i.test(clause)) {
      preds.push((d) => !d.offline);
    } else if (/^offline$/i.test(clause)) {
      preds.push((d) => d.offline);
    } else {
      return `Invalid device filter clause '${clause}'`;
    }
  }
  return (d) => preds.every((p) => p(d));
}

function fieldPred(key: string, vals: string[]): (d: Device) => boolean {
  switch (key) {
    case 'org':
      return (d) => vals.includes(String(d.organizationId));
    case 'loc':
      return (d) => vals.includes(String(d.locationId));
    case 'id':
      return (d) => vals.includes(String(d.id));
    case 'class':
      return (d) => vals.map((v) => v.toUpperCase()).includes(d.nodeClass);
    default:
      return (d) => vals.map((v) => v.toUpperCase()).includes(d.approvalStatus);
  }
}

const contactCreate = z.object({
  organizationId: z.int32(),
  firstName: z.string().min(1).max(150),
  lastName: z.string().min(1).max(150),
  email: z.string().max(255).nullable().optional(),
  phone: z.string().max(100).nullable().optional(),
  jobTitle: z.string().max(150).nullable().optional(),
});

const endUserCreate = z.object({
  organizationId: z.int32(),
  firstName: z.string().min(1).max(150),
  lastName: z.string().min(1).max(150),
  email: z.string().min(3).max(255),
  phone: z.string().max(100).nullable().optional(),
  fullPortalAccess: z.boolean().optional(),
});

export function apiRouter(state: SimState): express.Router {
  const r = express.Router();

  // Instance variant: only one of the prefixes answers.
  r.use((req, res, next) => {
    const isApi = req.baseUrl.startsWith('/api/');
    const p = state.config.prefixes;
    if ((p === 'v2' && isApi) || (p === 'api/v2' && !isApi)) return notFound(res, 'Not found');
    next();
  });

  // Auth, then the per-token rate limit.
  r.use((req, res, next) => {
    const h = req.headers.authorization;
    if (h === undefined || h === '') {
      return reply(res, 400, {
        error: 'missing_header',
        error_description: 'Missing required header',
        error_code: 2,
      });
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h); // the scheme is case-insensitive (RFC 7235)
    if (!m)
      return reply(res, 400, {
        error: 'invalid_header',
        error_description: "Invalid 'Authorization' header",
        error_code: 1,
      });
    const t = state.validAccessToken(m[1]!);
    if (!t)
      return reply(res, 401, {
        error: 'not_authenticated',
        error_description: 'Invalid credentials',
        error_code: 10,
      });
    res.locals.token = t;
    const entry = locals(res).entry;
    if (entry)
      entry.auth = {
        kind: t.kind,
        clientId: t.clientId,
        scopes: t.scopes,
        technicianId: t.technicianId,
      };
    const wait = state.takeRateToken(t.token);
    if (wait > 0) {
      if (state.rateLimit.mode === 'html') {
        return replyRaw(
          res,
          200,
          'text/html',
          '<!DOCTYPE html><html><head><title>Too many requests</title></head><body><h1>Too many requests</h1><p>Please try again later.</p></body></html>',
        );
      }
      if (state.rateLimit.sendRetryAfter) res.setHeader('Retry-After', String(wait));
      return reply(res, 429, { resultCode: 'TOO_MANY_REQUESTS', incidentId: incidentId() });
    }
    if (!t.scopes.includes('monitoring') && !t.scopes.includes('management')) {
      return reply(res, state.config.insufficientScopeStatus, {
        resultCode: 'insufficient_privileges',
        incidentId: incidentId(),
      });
    }
    next();
  });

  // Fed-like instance: these endpoint families do not exist.
  r.use((req, res, next) => {
    if (
      state.config.fedLike &&
      (/^\/contacts?(\/|$)/.test(req.path) || /^\/user\//.test(req.path))
    ) {
      return notFound(res, 'Not found');
    }
    next();
  });

  const d = () => state.data;

  // Organizations and locations.
  r.get('/organizations', (req, res) =>
    reply(res, 200, pageById(state, req, d().organizations).map(orgOut)),
  );
  r.get('/organizations-detailed', (req, res) =>
    reply(
      res,
      200,
      pageById(state, req, d().organizations).map((o) => detailedOrg(state, o)),
    ),
  );
  r.get('/organization/:id', (req, res) => {
    const o = d().organizations.find((x) => x.id === intParam(req.params.id));
    if (!o) return notFound(res, 'Organization not found');
    reply(res, 200, detailedOrg(state, o));
  });
  r.get('/organization/:id/locations', (req, res) => {
    const id = intParam(req.params.id);
    if (!d().organizations.some((x) => x.id === id)) return notFound(res, 'Organization not found');
    reply(
      res,
      200,
      d()
        .locations.filter((l) => l.organizationId === id)
        .map(({ organizationId: _o, ...l }) => l),
    );
  });
  r.get('/organization/:id/end-users', (req, res) => {
    const id = intParam(req.params.id);
    if (!d().organizations.some((x) => x.id === id)) return notFound(res, 'Organization not found');
    reply(
      res,
      200,
      d()
        .endUsers.filter((u) => u.organizationId === id)
        .map(endUserOut),
    );
  });
  r.get('/organization/:id/devices', (req, res) => {
    const id = intParam(req.params.id);
    if (!d().organizations.some((x) => x.id === id)) return notFound(res, 'Organization not found');
    reply(
      res,
      200,
      pageById(
        state,
        req,
        d().devices.filter((x) => x.organizationId === id),
      ).map(deviceOut),
    );
  });
  r.get('/locations', (req, res) =>
    reply(res, 200, pageById(state, req, d().locations).map(locOut)),
  );

  // Contacts.
  r.get('/contacts', (_req, res) => {
    if (state.config.contactsStatus === 404) return notFound(res, 'Not found');
    if (state.config.contactsStatus === 403) {
      return reply(res, 403, { resultCode: 'insufficient_privileges', incidentId: incidentId() });
    }
    reply(res, 200, [...d().contacts.map(contactOut), ...oddPeople(state, 'contact')]);
  });
  r.post('/contacts', requireWrite(state, 'other'), (req, res) => {
    const parsed = contactCreate.safeParse(req.body);
    if (!parsed.success) return validationFailed(res, state, zodMessages(parsed.error, req.body));
    const b = parsed.data;
    if (!d().organizations.some((o) => o.id === b.organizationId)) {
      return validationFailed(res, state, [
        `organizationId: organization ${b.organizationId} not found`,
      ]);
    }
    const now = state.now();
    const c: Contact = {
      id: state.nextContactId(),
      uid: randomUUID(),
      organizationId: b.organizationId,
      firstName: b.firstName,
      lastName: b.lastName,
      email: b.email ?? null,
      phone: b.phone ?? null,
      jobTitle: b.jobTitle ?? null,
      createTime: now,
      updateTime: now,
    };
    d().contacts.push(c);
    reply(res, 200, contactOut(c));
  });
  r.get('/contact/:id', (req, res) => {
    const c = d().contacts.find((x) => x.id === intParam(req.params.id));
    if (!c) return notFound(res, 'Contact not found');
    reply(res, 200, contactOut(c));
  });

  // Users.
  r.get('/user/end-users', (_req, res) =>
    reply(res, 200, [...d().endUsers.map(endUserOut), ...oddPeople(state, 'end user')]),
  );
  r.post('/user/end-users', requireWrite(state, 'other'), (req, res) => {
    const parsed = endUserCreate.safeParse(req.body);
    if (!parsed.success) return validationFailed(res, state, zodMessages(parsed.error, req.body));
    const b = parsed.data;
    if (!d().organizations.some((o) => o.id === b.organizationId)) {
      return validationFailed(res, state, [
        `organizationId: organization ${b.organizationId} not found`,
      ]);
    }
    const u: EndUser = {
      id: state.nextEndUserId(),
      uid: randomUUID(),
      organizationId: b.organizationId,
      firstName: b.firstName,
      lastName: b.lastName,
      email: b.email,
      phone: b.phone ?? null,
      enabled: true,
      administrator: false,
      permitAllClients: false,
      notifyAllClients: false,
      mustChangePw: false,
      mfaConfigured: false,
      userType: 'END_USER',
      invitationStatus:
        (req.query as Record<string, string | undefined>).sendInvitation === 'true'
          ? 'PENDING'
          : 'REGISTERED',
      fullPortalAccess: b.fullPortalAccess ?? false,
      assignedDeviceIds: [],
      accessibleDeviceIds: [],
    };
    d().endUsers.push(u);
    reply(res, 200, endUserOut(u));
  });
  r.get('/user/technicians', (_req, res) => reply(res, 200, d().technicians.map(techOut)));
  r.get('/users', (req, res) => {
    const type = (req.query as Record<string, string | undefined>).userType;
    const all = [...d().technicians.map(techOut), ...d().endUsers.map(endUserOut)];
    reply(res, 200, type ? all.filter((u) => u.userType === type) : all);
  });

  // Devices.
  r.get('/devices', (req, res) => {
    const df = (req.query as Record<string, string | undefined>).df;
    let list = d().devices;
    if (df) {
      const f = deviceFilter(df);
      if (typeof f === 'string')
        return reply(res, 400, {
          resultCode: 'FAILURE',
          errorMessage: f,
          incidentId: incidentId(),
        });
      list = list.filter(f);
    }
    reply(res, 200, pageById(state, req, list).map(deviceOut));
  });
  r.get('/devices-detailed', (req, res) =>
    reply(
      res,
      200,
      pageById(state, req, d().devices).map((x) => ({ ...x })),
    ),
  );
  r.get('/devices/search', (req, res) => {
    const q = String((req.query as Record<string, string | undefined>).q ?? '');
    const limit = intParam((req.query as Record<string, string | undefined>).limit) ?? 50;
    const needle = q.toLowerCase();
    const owners = new Map(
      [...d().endUsers].map((u) => [u.uid, `${u.firstName} ${u.lastName}`.toLowerCase()]),
    );
    const hits = d().devices.filter(
      (x) =>
        needle !== '' &&
        (x.displayName.toLowerCase().includes(needle) ||
          x.systemName.toLowerCase().includes(needle) ||
          x.dnsName.toLowerCase().includes(needle) ||
          x.ipAddresses.some((ip) => ip.includes(needle)) ||
          (x.assignedOwnerUid !== null && (owners.get(x.assignedOwnerUid) ?? '').includes(needle))),
    );
    reply(res, 200, { query: q, devices: hits.slice(0, limit).map(deviceOut) });
  });
  r.get('/device/:id', (req, res) => {
    const x = d().devices.find((v) => v.id === intParam(req.params.id));
    if (!x) return notFound(res, 'Device not found');
    reply(res, 200, {
      ...x,
      deviceType: 'AGENT',
      references: {
        organization: orgOut(d().organizations.find((o) => o.id === x.organizationId)!),
      },
    });
  });

  // Ticketing lookups.
  r.get('/ticketing/statuses', (_req, res) =>
    reply(
      res,
      200,
      d().statuses.map((s) => ({ ...s })),
    ),
  );
  r.get('/ticketing/ticket-form', (_req, res) =>
    reply(
      res,
      200,
      d().forms.map((f) => formOut(state, f.id)),
    ),
  );
  r.get('/ticketing/ticket-form/:id', (req, res) => {
    const f = d().forms.find((x) => x.id === intParam(req.params.id));
    if (!f) return notFound(res, 'Ticket form not found');
    reply(res, 200, formOut(state, f.id));
  });
  r.get('/ticketing/attributes', (_req, res) =>
    reply(
      res,
      200,
      d().attributes.map((a) => ({ ...a })),
    ),
  );
  r.get('/ticketing/trigger/boards', (_req, res) =>
    reply(
      res,
      200,
      d().boards.map(({ _match: m, ...b }) => ({
        ...b,
        ticketCount: state.data.tickets.filter((t) => boardMatches(m, t, null)).length,
      })),
    ),
  );
  r.get('/ticketing/contact/contacts', (_req, res) =>
    reply(
      res,
      200,
      d().contacts.map((c) => ({
        id: c.id,
        clientId: c.organizationId,
        clientName: d().organizations.find((o) => o.id === c.organizationId)?.name ?? null,
        uid: c.uid,
        firstName: c.firstName,
        lastName: c.lastName,
        email: c.email,
        phone: c.phone,
        jobTitle: c.jobTitle,
        displayName: `${c.firstName} ${c.lastName}`,
        createTime: c.createTime,
        updateTime: c.updateTime,
      })),
    ),
  );
  r.get('/ticketing/app-user-contact', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const size = state.pageSize(intParam(q.pageSize), 50)!;
    const anchor = intParam(q.anchorNaturalId) ?? 0;
    const clientId = intParam(q.clientId);
    const search = (q.searchCriteria ?? '').toLowerCase();
    const rows = appUserContacts(state).filter(
      (u) =>
        u.naturalId > anchor &&
        (!q.userType || u.userType === q.userType) &&
        (clientId === null || u.clientId === clientId) &&
        (!search ||
          [u.firstName, u.lastName, u.email ?? ''].some((s) => s.toLowerCase().includes(search))),
    );
    reply(res, 200, rows.slice(0, size));
  });

  registerTicketRoutes(r, state);

  r.use((_req, res) => notFound(res, 'Not found'));
  return r;
}

/** `peopleWithoutNumericIds`: records a tenant may hold that lack a numeric id (imports, sync tools). */
function oddPeople(state: SimState, kind: 'contact' | 'end user'): Array<Record<string, unknown>> {
  if (!state.config.peopleWithoutNumericIds) return [];
  const orgId = state.data.organizations[0]?.id ?? 1;
  const tag = kind === 'contact' ? 'c' : 'e';
  return [
    {
      id: `${tag}-import-1`,
      uid: `${tag}f000000-0000-4000-8000-000000000001`,
      organizationId: orgId,
      firstName: 'Imported',
      lastName: `Odd ${kind}`,
      email: null,
      phone: '+33 9 99 99 99 01',
    },
    {
      uid: `${tag}f000000-0000-4000-8000-000000000002`,
      organizationId: orgId,
      firstName: 'No',
      lastName: `Id ${kind}`,
      email: null,
      phone: '+33 9 99 99 99 02',
    },
  ];
}

function detailedOrg(state: SimState, o: Organization) {
  return {
    ...o,
    locations: state.data.locations
      .filter((l) => l.organizationId === o.id)
      .map(({ organizationId: _o, ...l }) => l),
    policies: [],
    settings: {},
  };
}

function formOut(state: SimState, id: number) {
  const f = state.data.forms.find((x) => x.id === id)!;
  return {
    ...f,
    fields: f.content.fields
      .map((fid) => state.data.attributes.find((a) => a.id === fid))
      .filter(Boolean),
  };
}

/** Technicians, end users and contacts as `/ticketing/app-user-contact` returns them, with a stable naturalId. */
export function appUserContacts(state: SimState) {
  const d = state.data;
  const rows = [
    ...d.technicians.map((t) => ({
      uid: t.uid,
      id: t.id,
      clientId: null as number | null,
      firstName: t.firstName,
      lastName: t.lastName,
      email: t.email as string | null,
      userType: 'TECHNICIAN' as const,
    })),
    ...d.endUsers.map((u) => ({
      uid: u.uid,
      id: u.id,
      clientId: u.organizationId as number | null,
      firstName: u.firstName,
      lastName: u.lastName,
      email: u.email,
      userType: 'END_USER' as const,
    })),
    ...d.contacts.map((c) => ({
      uid: c.uid,
      id: c.id,
      clientId: c.organizationId as number | null,
      firstName: c.firstName,
      lastName: c.lastName,
      email: c.email,
      userType: 'CONTACT' as const,
    })),
  ];
  return rows.map((row, i) => ({ ...row, naturalId: i + 1 }));
}
