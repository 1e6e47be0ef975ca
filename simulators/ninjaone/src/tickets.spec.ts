import {
  DEFAULT_CONFIG,
  DEMO_READONLY_CLIENT_ID,
  DEMO_READONLY_CLIENT_SECRET,
  fixedUid,
} from './sim';
import { startNinjaOneSim, type StartedSim } from './testkit';

let s: StartedSim;
let user: string; // authorization-code (user-context) token
let m2m: string; // client-credentials token

beforeAll(async () => {
  s = await startNinjaOneSim();
});
afterAll(async () => {
  await s.close();
});
beforeEach(async () => {
  s.sim.reset();
  s.sim.configure(DEFAULT_CONFIG);
  user = (await s.authorizationCode()).access_token;
  m2m = (await s.clientCredentials()).access_token;
});

const SOPHIE = fixedUid('c', 101); // contact, org 1
const MARC = fixedUid('e', 201); // end user, org 1
const valid = () => ({
  clientId: 1,
  ticketFormId: 1,
  subject: 'Caisse bloquée',
  status: '1000',
  requesterUid: SOPHIE,
  type: 'PROBLEM',
  priority: 'HIGH',
  severity: 'MINOR',
  nodeId: 301,
  locationId: 11,
  tags: ['phone'],
  attributes: [{ attributeId: 1, value: 'call-42' }],
  description: { public: false, body: 'Agent: bonjour', htmlBody: '<p>Agent: bonjour</p>' },
});

function comment(
  token: string,
  ticketId: number,
  commentJson: unknown,
  opts: { asBlob?: boolean; files?: Array<{ name: string; type: string; data: string }> } = {},
) {
  const fd = new FormData();
  const text = typeof commentJson === 'string' ? commentJson : JSON.stringify(commentJson);
  if (opts.asBlob) fd.append('comment', new Blob([text], { type: 'application/json' }));
  else fd.append('comment', text);
  for (const f of opts.files ?? [])
    fd.append('files', new Blob([f.data], { type: f.type }), f.name);
  return fetch(`${s.url}/v2/ticketing/ticket/${ticketId}/comment`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: fd,
  });
}

describe('auth middleware', () => {
  const table: Array<[string, Record<string, string>, number, unknown]> = [
    [
      'no Authorization header',
      {},
      400,
      { error: 'missing_header', error_description: 'Missing required header', error_code: 2 },
    ],
    [
      'not a Bearer header',
      { authorization: 'Token abc' },
      400,
      {
        error: 'invalid_header',
        error_description: "Invalid 'Authorization' header",
        error_code: 1,
      },
    ],
    [
      'Bearer without a token',
      { authorization: 'Bearer' },
      400,
      {
        error: 'invalid_header',
        error_description: "Invalid 'Authorization' header",
        error_code: 1,
      },
    ],
    [
      'unknown token',
      { authorization: 'Bearer not-a-token' },
      401,
      { error: 'not_authenticated', error_description: 'Invalid credentials', error_code: 10 },
    ],
  ];
  it.each(table)('%s', async (_name, headers, status, body) => {
    for (const prefix of ['/v2', '/api/v2']) {
      const res = await fetch(`${s.url}${prefix}/organizations`, { headers });
      expect(res.status).toBe(status);
      expect(res.headers.get('x-nj-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await res.json()).toEqual(body);
    }
  });

  it('a token without management cannot write (403, configurable to 401)', async () => {
    const ro = (
      await s.clientCredentials({
        clientId: DEMO_READONLY_CLIENT_ID,
        clientSecret: DEMO_READONLY_CLIENT_SECRET,
      })
    ).access_token;
    expect((await s.api(ro, 'GET', '/v2/organizations')).status).toBe(200);
    const r = await s.api(ro, 'POST', '/v2/ticketing/ticket', valid());
    expect(r).toMatchObject({ status: 403, body: { resultCode: 'insufficient_privileges' } });
    s.sim.configure({ insufficientScopeStatus: 401 });
    expect(
      (
        await s.api(ro, 'POST', '/v2/contacts', {
          organizationId: 1,
          firstName: 'A',
          lastName: 'B',
        })
      ).status,
    ).toBe(401);
  });

  it('client-credentials tokens cannot create, update or comment when the switch is on', async () => {
    const created = (await s.api(m2m, 'POST', '/v2/ticketing/ticket', valid())).body as {
      id: number;
    };
    expect(created.id).toBe(1001);
    s.sim.configure({ clientCredentialsCannotWrite: true });
    const refusal = {
      status: 403,
      body: { resultCode: 'user_context_required', incidentId: expect.stringMatching(/^SIM-/) },
    };
    expect(await s.api(m2m, 'POST', '/v2/ticketing/ticket', valid())).toMatchObject(refusal);
    expect(
      await s.api(m2m, 'PUT', '/v2/ticketing/ticket/1001', { ...valid(), version: 1 }),
    ).toMatchObject(refusal);
    const c = await comment(m2m, 1001, { public: false, body: 'x' });
    expect(c.status).toBe(403);
    expect(await c.json()).toMatchObject({ resultCode: 'user_context_required' });
    // Reads and non-ticket writes still work; a user-context token still writes tickets.
    expect((await s.api(m2m, 'GET', '/v2/ticketing/ticket/1001')).status).toBe(200);
    expect(
      (
        await s.api(m2m, 'POST', '/v2/contacts', {
          organizationId: 1,
          firstName: 'New',
          lastName: 'Caller',
          phone: '+33 6 00 00 00 01',
        })
      ).status,
    ).toBe(200);
    expect((await s.api(user, 'POST', '/v2/ticketing/ticket', valid())).status).toBe(200);
  });
});

describe('lookups', () => {
  it('pages organizations with pageSize and after, on both prefixes', async () => {
    const p1 = (await s.api(user, 'GET', '/v2/organizations?pageSize=2')).body as Array<{
      id: number;
    }>;
    expect(p1.map((o) => o.id)).toEqual([1, 2]);
    const p2 = (await s.api(user, 'GET', '/api/v2/organizations?pageSize=2&after=2'))
      .body as Array<{ id: number }>;
    expect(p2.map((o) => o.id)).toEqual([3, 4]);
    const p3 = (await s.api(user, 'GET', '/v2/organizations?pageSize=2&after=4')).body as Array<{
      id: number;
    }>;
    expect(p3.map((o) => o.id)).toEqual([5]);
  });

  it('serves organizations, locations, people and devices', async () => {
    const org = (await s.api(user, 'GET', '/v2/organization/1')).body as {
      name: string;
      locations: unknown[];
    };
    expect(org.name).toBe('Boulangerie Dupont SARL');
    expect(org.locations).toHaveLength(2);
    expect((await s.api(user, 'GET', '/v2/organization/99')).status).toBe(404);
    expect(
      ((await s.api(user, 'GET', '/v2/organization/3/locations')).body as unknown[]).length,
    ).toBe(2);
    expect(
      (
        (await s.api(user, 'GET', '/v2/organization/1/end-users')).body as Array<{ phone: string }>
      ).map((u) => u.phone),
    ).toEqual(['06 98 76 54 32', '']);
    const contacts = (await s.api(user, 'GET', '/v2/contacts')).body as Array<{
      phone: string | null;
    }>;
    expect(contacts.map((c) => c.phone)).toContain('0044 20 7946 0018');
    expect((await s.api(user, 'GET', '/v2/contact/101')).body).toMatchObject({
      uid: SOPHIE,
      phone: '+33 6 12 34 56 78',
    });
    expect(await s.api(user, 'GET', '/v2/contact/999')).toMatchObject({
      status: 404,
      body: { errorMessage: 'Contact not found' },
    });
    expect(((await s.api(user, 'GET', '/v2/user/technicians')).body as unknown[]).length).toBe(2);
    const created = await s.api(user, 'POST', '/v2/user/end-users?sendInvitation=false', {
      organizationId: 2,
      firstName: 'Nouveau',
      lastName: 'Client',
      email: 'n@c.example',
      phone: '07 11 22 33 44',
    });
    expect(created).toMatchObject({
      status: 200,
      body: { id: 207, organizationId: 2, phone: '07 11 22 33 44', userType: 'END_USER' },
    });
    expect(
      (await s.api(user, 'POST', '/v2/user/end-users', { organizationId: 2, firstName: 'X' })).body,
    ).toMatchObject({ errorMessage: 'lastName: is required; email: is required' });
    const contact = await s.api(user, 'POST', '/v2/contacts', {
      organizationId: 3,
      firstName: 'New',
      lastName: 'Caller',
      phone: '+44 20 0000 0000',
    });
    expect(contact).toMatchObject({
      status: 200,
      body: { id: 107, organizationId: 3, uid: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect((await s.api(user, 'GET', '/v2/contact/107')).status).toBe(200);
    expect(
      (
        await s.api(user, 'POST', '/v2/contacts', {
          organizationId: 99,
          firstName: 'a',
          lastName: 'b',
        })
      ).body,
    ).toMatchObject({ errorMessage: 'organizationId: organization 99 not found' });
    expect(
      ((await s.api(user, 'GET', '/v2/users?userType=END_USER')).body as unknown[]).length,
    ).toBe(7);
    const devices = (await s.api(user, 'GET', `/v2/devices?df=${encodeURIComponent('org = 1')}`))
      .body as Array<{ id: number }>;
    expect(devices.map((d) => d.id)).toEqual([301, 302]);
    expect(
      (await s.api(user, 'GET', `/v2/devices?df=${encodeURIComponent('bogus ~ 1')}`)).status,
    ).toBe(400);
    expect(
      (
        (await s.api(user, 'GET', '/v2/devices/search?q=caisse')).body as {
          devices: Array<{ id: number }>;
        }
      ).devices.map((d) => d.id),
    ).toEqual([301]);
    expect((await s.api(user, 'GET', '/v2/device/305')).body).toMatchObject({
      offline: true,
      organizationId: 4,
    });
  });

  it('serves ticketing statuses, forms, attributes, boards and contacts', async () => {
    const statuses = (await s.api(user, 'GET', '/v2/ticketing/statuses')).body as Array<{
      statusId: number;
      parentId: number | null;
    }>;
    expect(statuses.map((x) => x.statusId)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7001]);
    expect(statuses.find((x) => x.statusId === 7001)?.parentId).toBe(3000);
    const forms = (await s.api(user, 'GET', '/v2/ticketing/ticket-form')).body as Array<{
      id: number;
      default: boolean;
      active: boolean;
      fields: unknown[];
    }>;
    expect(forms.find((f) => f.default)).toMatchObject({ id: 1, active: true });
    expect(forms.find((f) => f.id === 2)?.active).toBe(false);
    expect((await s.api(user, 'GET', '/v2/ticketing/ticket-form/1')).body).toMatchObject({
      id: 1,
      fields: [{ id: 1 }, { id: 2 }],
    });
    expect(((await s.api(user, 'GET', '/v2/ticketing/attributes')).body as unknown[]).length).toBe(
      3,
    );
    const boards = (await s.api(user, 'GET', '/v2/ticketing/trigger/boards')).body as Array<{
      id: number;
      name: string;
    }>;
    expect(boards.find((b) => b.id === 3)?.name).toBe('All tickets');
    expect((await s.api(user, 'GET', '/v2/ticketing/trigger/board')).status).toBe(404);
    expect(
      (
        (await s.api(user, 'GET', '/v2/ticketing/contact/contacts')).body as Array<{
          clientName: string;
        }>
      )[0]?.clientName,
    ).toBe('Boulangerie Dupont SARL');
  });

  it('searches and pages app-user-contact', async () => {
    const hits = (await s.api(user, 'GET', '/v2/ticketing/app-user-contact?searchCriteria=DUPONT'))
      .body as Array<{ uid: string; userType: string }>;
    expect(hits.map((h) => h.uid).sort()).toEqual([MARC, SOPHIE, fixedUid('e', 206)].sort()); // Léa matches by e-mail
    const org2 = (
      await s.api(user, 'GET', '/v2/ticketing/app-user-contact?clientId=2&userType=CONTACT')
    ).body as unknown[];
    expect(org2).toHaveLength(2);
    const p1 = (await s.api(user, 'GET', '/v2/ticketing/app-user-contact?pageSize=3'))
      .body as Array<{ naturalId: number }>;
    const p2 = (
      await s.api(
        user,
        'GET',
        `/v2/ticketing/app-user-contact?pageSize=3&anchorNaturalId=${p1[2]!.naturalId}`,
      )
    ).body as Array<{ naturalId: number }>;
    expect(p2[0]!.naturalId).toBe(p1[2]!.naturalId + 1);
  });
});

describe('POST /v2/ticketing/ticket', () => {
  it('creates a ticket and its DESCRIPTION log entry', async () => {
    const r = await s.api(user, 'POST', '/v2/ticketing/ticket', valid());
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      id: 1001,
      version: 1,
      clientId: 1,
      ticketFormId: 1,
      subject: 'Caisse bloquée',
      status: { name: 'NEW', displayName: 'New', parentId: null, statusId: 1000 },
      type: 'PROBLEM',
      priority: 'HIGH',
      severity: 'MINOR',
      requesterUid: SOPHIE,
      assignedAppUserId: null,
      additionalAssignedTechnicianIds: [],
      nodeId: 301,
      locationId: 11,
      parentTicketId: null,
      ccList: { uids: [], emails: [] },
      tags: ['phone'],
      attributeValues: [{ id: expect.any(Number), attributeId: 1, value: 'call-42' }],
      followupTime: null,
      source: 'TECHNICIAN',
      createTime: expect.any(Number),
      deleted: false,
    });
    expect(await s.api(user, 'GET', '/v2/ticketing/ticket/1001')).toMatchObject({
      status: 200,
      body: { id: 1001 },
    });
    const log = (await s.api(user, 'GET', '/v2/ticketing/ticket/1001/log-entry')).body as Array<
      Record<string, unknown>
    >;
    expect(log).toEqual([
      expect.objectContaining({
        type: 'DESCRIPTION',
        body: 'Agent: bonjour',
        htmlBody: '<p>Agent: bonjour</p>',
        publicEntry: false,
        appUserContactType: 'TECHNICIAN',
        appUserContactId: 1,
      }),
    ]);
    expect(await s.api(user, 'GET', '/v2/ticketing/ticket/9999')).toMatchObject({
      status: 404,
      body: { resultCode: 'NOT_FOUND' },
    });
  });

  it('accepts a numeric status and a technician as requester', async () => {
    const r = await s.api(user, 'POST', '/v2/ticketing/ticket', {
      clientId: 3,
      ticketFormId: 3,
      subject: 'x',
      status: 2000,
      requesterUid: fixedUid('a', 2),
    });
    expect(r).toMatchObject({ status: 200, body: { status: { statusId: 2000 } } });
  });

  const without = (k: string) => {
    const b: Record<string, unknown> = valid();
    delete b[k];
    return b;
  };
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing clientId', without('clientId'), 'clientId: is required'],
    ['missing ticketFormId', without('ticketFormId'), 'ticketFormId: is required'],
    ['missing subject', without('subject'), 'subject: is required'],
    ['missing status', without('status'), 'status: is required'],
    ['clientId as a float', { ...valid(), clientId: 1.5 }, 'clientId: must be an integer'],
    ['clientId beyond int32', { ...valid(), clientId: 2 ** 31 }, 'clientId: must be at most'],
    ['clientId as a string', { ...valid(), clientId: '1' }, 'clientId: must be a number'],
    [
      'subject over 200 characters',
      { ...valid(), subject: 'x'.repeat(201) },
      'subject: must be at most 200 characters',
    ],
    ['blank subject', { ...valid(), subject: '   ' }, 'subject: must not be blank'],
    [
      'description as a string',
      { ...valid(), description: 'hello' },
      'description: must be an object',
    ],
    [
      'description without public',
      { ...valid(), description: { body: 'x' } },
      'description.public: is required',
    ],
    [
      'priority CRITICAL',
      { ...valid(), priority: 'CRITICAL' },
      'priority: must be one of NONE, LOW, MEDIUM, HIGH',
    ],
    ['unknown type', { ...valid(), type: 'BUG' }, 'type: must be one of'],
    ['unknown severity', { ...valid(), severity: 'HUGE' }, 'severity: must be one of'],
    [
      'requesterUid not a uuid',
      { ...valid(), requesterUid: 'sophie' },
      'requesterUid: must be a uuid',
    ],
    [
      'unknown organization',
      {
        ...valid(),
        clientId: 99,
        requesterUid: undefined,
        nodeId: undefined,
        locationId: undefined,
      },
      'clientId: organization 99 not found',
    ],
    ['unknown form', { ...valid(), ticketFormId: 42 }, 'ticketFormId: ticket form 42 not found'],
    ['inactive form', { ...valid(), ticketFormId: 2 }, 'ticketFormId: ticket form 2 is not active'],
    ['unknown status', { ...valid(), status: '1234' }, "status: unknown status '1234'"],
    ['status given by name', { ...valid(), status: 'NEW' }, "status: unknown status 'NEW'"],
    [
      'unknown requester',
      { ...valid(), requesterUid: fixedUid('c', 999) },
      'requesterUid: no user or contact',
    ],
    [
      'requester of another organization',
      { ...valid(), requesterUid: fixedUid('c', 103) },
      'requesterUid: requester does not belong to organization 1',
    ],
    [
      'device of another organization',
      { ...valid(), nodeId: 303 },
      'nodeId: device 303 does not belong to organization 1',
    ],
    [
      'location of another organization',
      { ...valid(), locationId: 21 },
      'locationId: location 21 does not belong to organization 1',
    ],
    [
      'unknown attribute',
      { ...valid(), attributes: [{ attributeId: 77, value: 'x' }] },
      'attributes[0].attributeId: attribute 77 not found',
    ],
    [
      'attribute without value',
      { ...valid(), attributes: [{ attributeId: 1 }] },
      'attributes[0].value: is required',
    ],
    [
      'unknown technician',
      { ...valid(), assignedAppUserId: 55 },
      'assignedAppUserId: technician 55 not found',
    ],
  ];
  it.each(cases)('400 VALIDATION_FAILED: %s', async (_name, body, message) => {
    const r = await s.api(user, 'POST', '/v2/ticketing/ticket', body);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      resultCode: 'VALIDATION_FAILED',
      errorMessage: expect.stringContaining(message),
      incidentId: expect.stringMatching(/^SIM-/),
    });
    expect(s.sim.tickets()).toHaveLength(0);
  });

  it('wants a JSON body (415 otherwise) and answers malformed JSON with 400', async () => {
    const form = await fetch(`${s.url}/v2/ticketing/ticket`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'clientId=1',
    });
    expect(form.status).toBe(415);
    const broken = await fetch(`${s.url}/v2/ticketing/ticket`, {
      method: 'POST',
      headers: { authorization: `bearer ${user}`, 'content-type': 'application/json' },
      body: '{"clientId":',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      resultCode: 'FAILURE',
      errorMessage: 'Malformed JSON request body',
    });
  });

  it('reports every failing field at once', async () => {
    const r = await s.api(user, 'POST', '/v2/ticketing/ticket', { subject: 'x' });
    expect((r.body as { errorMessage: string }).errorMessage).toBe(
      'clientId: is required; ticketFormId: is required; status: is required',
    );
  });

  it('has switches for status names, a required requester and unknown fields', async () => {
    s.sim.configure({ statusAcceptsNames: true });
    expect(
      (await s.api(user, 'POST', '/v2/ticketing/ticket', { ...valid(), status: 'Open' })).body,
    ).toMatchObject({ status: { statusId: 2000 } });
    s.sim.configure({ requireRequesterUidOnCreate: true });
    expect(
      (await s.api(user, 'POST', '/v2/ticketing/ticket', { ...valid(), requesterUid: undefined }))
        .body,
    ).toMatchObject({ errorMessage: 'requesterUid: is required' });
    expect(
      (await s.api(user, 'POST', '/v2/ticketing/ticket', { ...valid(), requester: { id: 1 } }))
        .status,
    ).toBe(200);
    s.sim.configure({ rejectUnknownTicketFields: true, validationResultCode: 'INVALID_REQUEST' });
    expect(
      (await s.api(user, 'POST', '/v2/ticketing/ticket', { ...valid(), requester: { id: 1 } }))
        .body,
    ).toMatchObject({ resultCode: 'INVALID_REQUEST', errorMessage: 'requester: unknown field' });
  });
});

describe('PUT /v2/ticketing/ticket/{id}', () => {
  it('replaces the ticket, bumps the version, and 409s on a stale version', async () => {
    await s.api(user, 'POST', '/v2/ticketing/ticket', valid());
    const { description: _d, ...fields } = valid();
    const put = await s.api(user, 'PUT', '/v2/ticketing/ticket/1001', {
      ...fields,
      version: 1,
      status: '2000',
      tags: [],
      description: { public: true, body: 'ignored' },
    });
    expect(put).toMatchObject({
      status: 200,
      body: { version: 2, status: { statusId: 2000 }, tags: [] },
    });
    const journal = s.sim.requests({ method: 'PUT', path: '/v2/ticketing/ticket/:id' });
    expect(journal[0]?.notes).toEqual(["ignored key 'description' on ticket update"]);
    expect(
      await s.api(user, 'PUT', '/v2/ticketing/ticket/1001', { ...fields, version: 1 }),
    ).toEqual(
      expect.objectContaining({
        status: 409,
        body: { resultCode: 'FAILURE', errorMessage: 'version mismatch' },
      }),
    );
    const log = (await s.api(user, 'GET', '/v2/ticketing/ticket/1001/log-entry?type=SAVE'))
      .body as Array<{ changeDiff: Record<string, unknown> }>;
    expect(Object.keys(log[0]!.changeDiff).sort()).toEqual(['status', 'tags']);
  });

  it('requires version and requesterUid, and 404s an unknown ticket', async () => {
    await s.api(user, 'POST', '/v2/ticketing/ticket', valid());
    const { description: _d, requesterUid: _r, ...fields } = valid();
    expect((await s.api(user, 'PUT', '/v2/ticketing/ticket/1001', fields)).body).toMatchObject({
      resultCode: 'VALIDATION_FAILED',
      errorMessage: 'requesterUid: is required; version: is required',
    });
    expect(
      (await s.api(user, 'PUT', '/v2/ticketing/ticket/4242', { ...valid(), version: 1 })).status,
    ).toBe(404);
  });

  it('uses the configured stale-version reply', async () => {
    s.sim.configure({
      versionConflict: { status: 400, body: { resultCode: 'FAILURE', errorMessage: 'stale' } },
    });
    await s.api(user, 'POST', '/v2/ticketing/ticket', valid());
    expect(
      (await s.api(user, 'PUT', '/v2/ticketing/ticket/1001', { ...valid(), version: 7 })).status,
    ).toBe(400);
  });
});

describe('POST /v2/ticketing/ticket/{id}/comment', () => {
  beforeEach(async () => {
    await s.api(user, 'POST', '/v2/ticketing/ticket', valid());
  });

  it('accepts multipart with a JSON comment part and files; 200 with an empty body', async () => {
    const res = await comment(
      user,
      1001,
      { public: false, body: 'Transcript attached', htmlBody: '<p>Transcript attached</p>' },
      {
        asBlob: true,
        files: [{ name: 'transcript.txt', type: 'text/plain', data: 'Agent: hello' }],
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.text()).toBe('');
    const log = (await s.api(user, 'GET', '/v2/ticketing/ticket/1001/log-entry?type=COMMENT'))
      .body as Array<Record<string, unknown>>;
    expect(log).toEqual([
      expect.objectContaining({ type: 'COMMENT', body: 'Transcript attached', publicEntry: false }),
    ]);
    expect(s.sim.tickets()[0]!.logEntries[1]!.files).toEqual([
      { name: 'transcript.txt', contentType: 'text/plain', size: 12, sha256: expect.any(String) },
    ]);
  });

  it('accepts the comment as a plain text field too', async () => {
    expect((await comment(user, 1001, { public: true, body: 'hi' })).status).toBe(200);
  });

  it('rejects JSON with 415 (configurable to 400)', async () => {
    const r = await s.api(user, 'POST', '/v2/ticketing/ticket/1001/comment', {
      comment: { public: true, body: 'x' },
    });
    expect(r).toMatchObject({ status: 415, body: { resultCode: 'FAILURE' } });
    s.sim.configure({ commentNonMultipartStatus: 400 });
    expect(
      (
        await s.api(user, 'POST', '/v2/ticketing/ticket/1001/comment', {
          comment: { public: true },
        })
      ).status,
    ).toBe(400);
  });

  it('validates the comment part', async () => {
    expect(await (await comment(user, 1001, { body: 'no public flag' })).json()).toMatchObject({
      errorMessage: 'comment.public: is required',
    });
    expect(await (await comment(user, 1001, 'not json')).json()).toMatchObject({
      errorMessage: 'comment: must be a JSON object',
    });
    const fd = new FormData();
    fd.append('files', new Blob(['x']), 'a.txt');
    const res = await fetch(`${s.url}/v2/ticketing/ticket/1001/comment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}` },
      body: fd,
    });
    expect(await res.json()).toMatchObject({ errorMessage: 'comment: is required' });
    expect((await comment(user, 4242, { public: true })).status).toBe(404);
  });

  it('answers 204 or the entry when configured', async () => {
    s.sim.configure({ commentResponse: '204' });
    expect((await comment(user, 1001, { public: true, body: 'a' })).status).toBe(204);
    s.sim.configure({ commentResponse: 'entry-200' });
    expect(await (await comment(user, 1001, { public: true, body: 'b' })).json()).toMatchObject({
      type: 'COMMENT',
      body: 'b',
    });
  });

  it('pages log entries with anchorId, oldest first', async () => {
    await comment(user, 1001, { public: true, body: 'one' });
    await comment(user, 1001, { public: true, body: 'two' });
    const all = (await s.api(user, 'GET', '/v2/ticketing/ticket/1001/log-entry')).body as Array<{
      id: number;
      body: string;
    }>;
    expect(all.map((e) => e.body)).toEqual(['Agent: bonjour', 'one', 'two']);
    const after = (
      await s.api(
        user,
        'GET',
        `/v2/ticketing/ticket/1001/log-entry?anchorId=${all[0]!.id}&pageSize=1`,
      )
    ).body as Array<{ body: string }>;
    expect(after.map((e) => e.body)).toEqual(['one']);
  });
});

describe('board run', () => {
  it('lists tickets with lastCursorId paging and rejects unknown filters and boards', async () => {
    for (let i = 0; i < 5; i++)
      await s.api(user, 'POST', '/v2/ticketing/ticket', { ...valid(), subject: `T${i}` });
    const run = (body: unknown, board = 3) =>
      s.api(user, 'POST', `/v2/ticketing/trigger/board/${board}/run`, body);
    const p1 = (await run({ pageSize: 2 })).body as {
      data: Array<{ id: number; status: unknown }>;
      metadata: { lastCursorId: number };
    };
    expect(p1.data.map((r) => r.id)).toEqual([1001, 1002]);
    expect(p1.data[0]!.status).toMatchObject({ statusId: 1000 });
    const p2 = (await run({ pageSize: 2, lastCursorId: p1.metadata.lastCursorId })).body as {
      data: Array<{ id: number }>;
    };
    expect(p2.data.map((r) => r.id)).toEqual([1003, 1004]);
    const desc = (
      await run({
        sortBy: [{ field: 'id', direction: 'DESC' }],
        pageSize: 1,
        includeColumns: ['subject'],
      })
    ).body as { data: unknown[] };
    expect(desc.data).toEqual([{ id: 1005, subject: 'T4' }]);
    const filtered = (
      await run({ filters: [{ field: 'subject', operator: 'contains', value: 't3' }] })
    ).body as { data: Array<{ id: number }> };
    expect(filtered.data.map((r) => r.id)).toEqual([1004]);
    const changed = (
      await run({
        filters: [
          { field: 'ticket_changed', operator: 'hours_since:greater_or_equal_than', value: '1:0' },
        ],
      })
    ).body as { data: unknown[] };
    expect(changed.data).toHaveLength(0);
    s.sim.advanceClock(3700);
    user = (await s.authorizationCode()).access_token; // the old token expired with the clock
    const changed2 = (
      await run({
        filters: [
          { field: 'ticket_changed', operator: 'hours_since:greater_or_equal_than', value: '1:0' },
        ],
      })
    ).body as { data: unknown[] };
    expect(changed2.data).toHaveLength(5);
    expect(
      await run({ filters: [{ field: 'organization_name', operator: 'eq', value: 'x' }] }),
    ).toMatchObject({ status: 400 });
    expect((await run({}, 99)).status).toBe(404);
    expect(((await run({}, 2)).body as { data: unknown[] }).data).toHaveLength(5); // unassigned
    expect(((await run({}, 1)).body as { data: unknown[] }).data).toHaveLength(0); // mine
  });
});
