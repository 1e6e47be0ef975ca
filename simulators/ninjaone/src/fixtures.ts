/**
 * Seed tenants. `demo` is a small French/English MSP with callers whose phone numbers are written
 * in the many free-text formats a real tenant holds; `empty` has only the ticketing defaults and the
 * demo client apps. Ids and uids are fixed so tests and docs can name them.
 */
import type {
  Board,
  Contact,
  Device,
  EndUser,
  Location,
  Organization,
  SimClientApp,
  SimFixture,
  Technician,
  TicketAttribute,
  TicketForm,
  TicketStatus,
} from './types';

/** A valid UUIDv4-shaped uid with a readable kind prefix and id: `e0000000-0000-4000-8000-000000000201`. */
export function fixedUid(kind: 'a' | 'c' | 'd' | 'e' | 'f' | 'b', id: number): string {
  return `${kind}0000000-0000-4000-8000-${String(id).padStart(12, '0')}`;
}

/** 2026-01-05T09:00:00Z, plus fractional seconds as NinjaOne returns them. */
const T0 = 1767603600;
const ts = (offsetSeconds: number): number => T0 + offsetSeconds + 0.125;

export const DEMO_CLIENT_ID = 'sim-demo-client';
export const DEMO_CLIENT_SECRET = 'sim-demo-secret';
export const DEMO_M2M_CLIENT_ID = 'sim-m2m-client';
export const DEMO_M2M_CLIENT_SECRET = 'sim-m2m-secret';
export const DEMO_READONLY_CLIENT_ID = 'sim-readonly-client';
export const DEMO_READONLY_CLIENT_SECRET = 'sim-readonly-secret';
export const DEMO_REDIRECT_URIS = [
  'http://localhost:3000/api/ninjaone/oauth/callback',
  'http://127.0.0.1:3000/api/ninjaone/oauth/callback',
  // The server's callback route (server/src/ninjaone), for the npm start demo and its tests.
  'http://localhost:3000/api/ninjaone/callback',
  'http://127.0.0.1:3000/api/ninjaone/callback',
];

export function demoClients(): SimClientApp[] {
  return [
    {
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      name: 'Call-to-ticket (Web platform)',
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['monitoring', 'management', 'offline_access'],
      redirectUris: [...DEMO_REDIRECT_URIS],
      consentTechnicianId: 1,
    },
    {
      clientId: DEMO_M2M_CLIENT_ID,
      clientSecret: DEMO_M2M_CLIENT_SECRET,
      name: 'Call-to-ticket (API services, machine-to-machine)',
      grantTypes: ['client_credentials'],
      scopes: ['monitoring', 'management'],
      redirectUris: [],
    },
    {
      clientId: DEMO_READONLY_CLIENT_ID,
      clientSecret: DEMO_READONLY_CLIENT_SECRET,
      name: 'Read-only reporting',
      grantTypes: ['client_credentials'],
      scopes: ['monitoring'],
      redirectUris: [],
    },
  ];
}

export function defaultStatuses(): TicketStatus[] {
  return [
    { name: 'NEW', displayName: 'New', parentId: null, statusId: 1000 },
    { name: 'OPEN', displayName: 'Open', parentId: null, statusId: 2000 },
    { name: 'WAITING', displayName: 'Waiting', parentId: null, statusId: 3000 },
    { name: 'PAUSED', displayName: 'Paused', parentId: null, statusId: 4000 },
    { name: 'RESOLVED', displayName: 'Resolved', parentId: null, statusId: 5000 },
    { name: 'CLOSED', displayName: 'Closed', parentId: null, statusId: 6000 },
    {
      name: 'AWAITING_CALLBACK',
      displayName: 'Rappel client prévu',
      parentId: 3000,
      statusId: 7001,
    },
  ];
}

export function defaultAttributes(): TicketAttribute[] {
  return [
    {
      id: 1,
      name: 'Call reference',
      description: 'Identifier of the phone call the ticket came from',
      attributeType: 'TEXT',
      active: true,
      system: false,
      content: { required: false, advancedSettings: { maxCharacters: 200 } },
      createTime: ts(0),
      updateTime: ts(0),
    },
    {
      id: 2,
      name: 'Channel',
      description: 'How the customer reached us',
      attributeType: 'DROPDOWN',
      active: true,
      system: false,
      content: {
        required: false,
        advancedSettings: {},
        values: [
          { id: fixedUid('f', 21), name: 'Phone', active: true, system: false },
          { id: fixedUid('f', 22), name: 'Email', active: true, system: false },
          { id: fixedUid('f', 23), name: 'Walk-in', active: true, system: false },
        ],
      },
      createTime: ts(0),
      updateTime: ts(0),
    },
    {
      id: 3,
      name: 'Legacy contract number',
      description: 'No longer used',
      attributeType: 'TEXT',
      active: false,
      system: false,
      content: { required: false, advancedSettings: {} },
      createTime: ts(0),
      updateTime: ts(0),
    },
  ];
}

export function defaultForms(): TicketForm[] {
  return [
    {
      id: 1,
      name: 'Default',
      description: 'Default ticket form',
      endUserTitle: 'Request help',
      active: true,
      default: true,
      content: { fields: [1, 2], timerSettings: { enabled: false } },
      createTime: ts(0),
      updateTime: ts(0),
    },
    {
      id: 2,
      name: 'Legacy intake (inactive)',
      description: 'Retired form kept for history',
      endUserTitle: 'Old intake',
      active: false,
      default: false,
      content: { fields: [3], timerSettings: { enabled: false } },
      createTime: ts(0),
      updateTime: ts(100),
    },
    {
      id: 3,
      name: 'Phone call',
      description: 'Tickets opened from a phone call',
      endUserTitle: 'Phone call',
      active: true,
      default: false,
      content: { fields: [1, 2], timerSettings: { enabled: true } },
      createTime: ts(0),
      updateTime: ts(0),
    },
  ];
}

export function defaultBoards(): Board[] {
  const columns = [
    'id',
    'subject',
    'status',
    'clientId',
    'nodeId',
    'requesterUid',
    'assignedAppUserId',
    'priority',
    'createTime',
  ];
  const board = (id: number, name: string, match: Board['_match'], system: boolean): Board => ({
    id,
    uid: fixedUid('b', id),
    name,
    description: name,
    system,
    columns,
    sortBy: [{ field: 'id', direction: 'ASC' }],
    conditions: { any: [], all: [] },
    _match: match,
  });
  // Board 1 is deliberately not "All tickets" (a real-tenant pitfall).
  return [
    board(1, 'My tickets', 'mine', true),
    board(2, 'Unassigned tickets', 'unassigned', true),
    board(3, 'All tickets', 'all', true),
    board(4, 'Open tickets', 'open', false),
  ];
}

function technicians(): Technician[] {
  const tech = (
    id: number,
    firstName: string,
    lastName: string,
    email: string,
    phone: string | null,
  ): Technician => ({
    id,
    uid: fixedUid('a', id),
    firstName,
    lastName,
    email,
    phone,
    enabled: true,
    administrator: id === 1,
    permitAllClients: true,
    notifyAllClients: false,
    mustChangePw: false,
    mfaConfigured: true,
    userType: 'TECHNICIAN',
    invitationStatus: 'REGISTERED',
  });
  return [
    tech(1, 'Alice', 'Lefèvre', 'alice.lefevre@msp-sim.example', '+33 4 76 00 00 01'),
    tech(2, 'Bob', 'Carter', 'bob.carter@msp-sim.example', '+44 20 7946 0100'),
  ];
}

function org(id: number, name: string, description: string): Organization {
  return {
    id,
    name,
    description,
    nodeApprovalMode: 'AUTOMATIC',
    userData: {},
    tags: [],
    fields: {},
  };
}

function loc(id: number, organizationId: number, name: string, address: string): Location {
  return { id, organizationId, name, address, description: '', userData: {}, tags: [], fields: {} };
}

function contact(
  id: number,
  organizationId: number,
  firstName: string,
  lastName: string,
  email: string | null,
  phone: string | null,
  jobTitle: string | null,
): Contact {
  return {
    id,
    uid: fixedUid('c', id),
    organizationId,
    firstName,
    lastName,
    email,
    phone,
    jobTitle,
    createTime: ts(id),
    updateTime: ts(id),
  };
}

function endUser(
  id: number,
  organizationId: number,
  firstName: string,
  lastName: string,
  email: string | null,
  phone: string | null,
  assignedDeviceIds: number[] = [],
): EndUser {
  return {
    id,
    uid: fixedUid('e', id),
    organizationId,
    firstName,
    lastName,
    email,
    phone,
    enabled: true,
    administrator: false,
    permitAllClients: false,
    notifyAllClients: false,
    mustChangePw: false,
    mfaConfigured: false,
    userType: 'END_USER',
    invitationStatus: 'REGISTERED',
    fullPortalAccess: false,
    assignedDeviceIds,
    accessibleDeviceIds: assignedDeviceIds,
  };
}

function device(
  id: number,
  organizationId: number,
  locationId: number,
  nodeClass: string,
  systemName: string,
  ip: string,
  owner: string | null,
  offline = false,
): Device {
  return {
    id,
    uid: fixedUid('d', id),
    organizationId,
    locationId,
    nodeClass,
    nodeRoleId: 1,
    rolePolicyId: 1,
    approvalStatus: 'APPROVED',
    offline,
    displayName: systemName,
    systemName,
    dnsName: `${systemName.toLowerCase()}.local`,
    netbiosName: systemName,
    created: ts(-86400 * 30 + id),
    lastContact: ts(id),
    lastUpdate: ts(id),
    assignedOwnerUid: owner,
    tags: [],
    ipAddresses: [ip],
    macAddresses: [`00:11:22:33:44:${(id % 256).toString(16).padStart(2, '0')}`],
    publicIP: '203.0.113.10',
    notes: [],
  };
}

export function demoFixture(): SimFixture {
  return {
    clients: demoClients(),
    organizations: [
      org(1, 'Boulangerie Dupont SARL', 'Boulangerie, 2 sites, Grenoble'),
      org(2, 'Cabinet Martin Avocats', "Cabinet d'avocats, Paris 8e"),
      org(3, 'Acme Logistics Ltd', 'Freight forwarder, London'),
      org(4, 'Northwind Dental LLC', 'Dental practice, Springfield'),
      org(5, 'Mairie de Saint-Égrève', 'Collectivité, pas encore de contacts enregistrés'),
    ],
    locations: [
      loc(11, 1, 'Magasin centre', '12 rue Félix Poulat, 38000 Grenoble'),
      loc(12, 1, 'Atelier', '4 avenue de Vizille, 38000 Grenoble'),
      loc(21, 2, 'Siège', '8 rue de Miromesnil, 75008 Paris'),
      loc(31, 3, 'Head office', '1 Canada Square, London E14 5AB'),
      loc(32, 3, 'Warehouse', 'Unit 4, Thames Road, Barking IG11 0HZ'),
      loc(41, 4, 'Main clinic', '742 Evergreen Terrace, Springfield'),
      loc(51, 5, 'Hôtel de ville', '1 place de la Mairie, 38120 Saint-Égrève'),
    ],
    contacts: [
      contact(
        101,
        1,
        'Sophie',
        'Dupont',
        'sophie.dupont@boulangerie-dupont.example',
        '+33 6 12 34 56 78',
        'Gérante',
      ),
      contact(
        102,
        2,
        'Julien',
        'Martin',
        'j.martin@cabinet-martin.example',
        '0033611223344',
        'Associé',
      ),
      contact(
        103,
        3,
        'Oliver',
        'Smith',
        'oliver.smith@acme-logistics.example',
        '0044 20 7946 0018',
        'Office manager',
      ),
      contact(
        104,
        4,
        'Jane',
        'Doe',
        'jane.doe@northwind-dental.example',
        '+1 (555) 010-0000',
        'Practice manager',
      ),
      // Same switchboard number as end user 205 of org 5: a caller matching two organizations.
      contact(
        105,
        2,
        'Accueil',
        'Standard',
        'accueil@cabinet-martin.example',
        '+33 1 40 00 00 00',
        'Standard',
      ),
      contact(106, 3, 'No', 'Phone', 'nophone@acme-logistics.example', null, 'Temp'),
    ],
    endUsers: [
      endUser(201, 1, 'Marc', 'Dupont', 'marc@boulangerie-dupont.example', '06 98 76 54 32', [301]),
      endUser(202, 2, 'Claire', 'Martin', 'claire@cabinet-martin.example', '01.45.67.89.01', [303]),
      endUser(
        203,
        3,
        'Emma',
        'Brown',
        'emma.brown@acme-logistics.example',
        '+44 7700 900123',
        [304],
      ),
      // Same number as contact 104 written the US-national way: two people, one organization.
      endUser(204, 4, 'John', 'Roe', 'john.roe@northwind-dental.example', '555.010.0000', [305]),
      endUser(205, 5, 'Standard', 'Mairie', 'standard@saint-egreve.example', '01 40 00 00 00'),
      endUser(206, 1, 'Léa', 'Moreau', 'lea.moreau@boulangerie-dupont.example', ''),
    ],
    technicians: technicians(),
    devices: [
      device(
        301,
        1,
        11,
        'WINDOWS_WORKSTATION',
        'BOUL-CAISSE-01',
        '192.168.1.21',
        fixedUid('e', 201),
      ),
      device(302, 1, 12, 'WINDOWS_WORKSTATION', 'BOUL-ATELIER-PC', '192.168.2.10', null),
      device(303, 2, 21, 'WINDOWS_SERVER', 'MARTIN-SRV-01', '10.0.0.5', fixedUid('e', 202)),
      device(304, 3, 31, 'MAC', 'ACME-LT-ESMITH', '10.20.0.44', fixedUid('e', 203)),
      device(
        305,
        4,
        41,
        'WINDOWS_WORKSTATION',
        'NW-RECEPTION',
        '172.16.0.12',
        fixedUid('e', 204),
        true,
      ),
    ],
    statuses: defaultStatuses(),
    attributes: defaultAttributes(),
    forms: defaultForms(),
    boards: defaultBoards(),
    tickets: [],
    logEntries: [],
    nextTicketId: 1001,
  };
}

export function emptyFixture(): SimFixture {
  return {
    clients: demoClients(),
    organizations: [],
    locations: [],
    contacts: [],
    endUsers: [],
    technicians: technicians(),
    devices: [],
    statuses: defaultStatuses(),
    attributes: defaultAttributes(),
    forms: defaultForms(),
    boards: defaultBoards(),
    tickets: [],
    logEntries: [],
    nextTicketId: 1,
  };
}

/** A deep copy, so that a run never mutates a fixture object the caller passed in. */
export function loadFixture(seed: 'demo' | 'empty' | SimFixture): SimFixture {
  if (seed === 'demo') return demoFixture();
  if (seed === 'empty') return emptyFixture();
  return structuredClone(seed);
}
