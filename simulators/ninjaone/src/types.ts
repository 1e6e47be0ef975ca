/**
 * Data shapes of the NinjaOne simulator. Field names follow NinjaOne Public API v2 (its OpenAPI
 * description); anything prefixed with `_` is simulator-internal and
 * never serialised.
 */

export type Scope = 'monitoring' | 'management' | 'control' | 'offline_access';
export const ALL_SCOPES: readonly Scope[] = [
  'monitoring',
  'management',
  'control',
  'offline_access',
];

export type GrantType = 'client_credentials' | 'authorization_code' | 'refresh_token' | 'implicit';

export interface SimClientApp {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Grants enabled on the app in NinjaOne's "API > Client app IDs" page. */
  grantTypes: GrantType[];
  /** Scopes configured on the app; asking for any other gives 400 invalid_scope. */
  scopes: Scope[];
  /** Exact-match redirect URIs (trailing slash significant). */
  redirectUris: string[];
  /** Technician id that "signs in" on the auto-approved authorize page. */
  consentTechnicianId?: number;
}

export interface Organization {
  id: number;
  name: string;
  description: string;
  nodeApprovalMode: 'AUTOMATIC' | 'MANUAL' | 'REJECT';
  userData: Record<string, unknown>;
  tags: string[];
  fields: Record<string, unknown>;
}

export interface Location {
  id: number;
  organizationId: number;
  name: string;
  address: string;
  description: string;
  userData: Record<string, unknown>;
  tags: string[];
  fields: Record<string, unknown>;
}

export interface Contact {
  id: number;
  uid: string;
  organizationId: number;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  jobTitle: string | null;
  createTime: number;
  updateTime: number;
}

export interface EndUser {
  id: number;
  uid: string;
  organizationId: number;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  enabled: boolean;
  administrator: boolean;
  permitAllClients: boolean;
  notifyAllClients: boolean;
  mustChangePw: boolean;
  mfaConfigured: boolean;
  userType: 'END_USER';
  invitationStatus: 'REGISTERED' | 'PENDING';
  fullPortalAccess: boolean;
  assignedDeviceIds: number[];
  accessibleDeviceIds: number[];
}

export interface Technician {
  id: number;
  uid: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  enabled: boolean;
  administrator: boolean;
  permitAllClients: boolean;
  notifyAllClients: boolean;
  mustChangePw: boolean;
  mfaConfigured: boolean;
  userType: 'TECHNICIAN';
  invitationStatus: 'REGISTERED';
}

export interface Device {
  id: number;
  uid: string;
  organizationId: number;
  locationId: number;
  nodeClass: string;
  nodeRoleId: number;
  rolePolicyId: number;
  approvalStatus: 'APPROVED' | 'PENDING';
  offline: boolean;
  displayName: string;
  systemName: string;
  dnsName: string;
  netbiosName: string;
  created: number;
  lastContact: number;
  lastUpdate: number;
  assignedOwnerUid: string | null;
  tags: string[];
  ipAddresses: string[];
  macAddresses: string[];
  publicIP: string;
  notes: unknown[];
}

export interface TicketStatus {
  name: string;
  displayName: string;
  parentId: number | null;
  statusId: number;
}

export interface AttributeOption {
  id: string;
  name: string;
  active: boolean;
  system: boolean;
}

export interface TicketAttribute {
  id: number;
  name: string;
  description: string;
  attributeType: 'TEXT' | 'TEXT_MULTILINE' | 'DROPDOWN' | 'NUMERIC' | 'CHECKBOX' | 'DATE';
  active: boolean;
  system: boolean;
  content: {
    values?: AttributeOption[];
    required: boolean;
    advancedSettings: Record<string, unknown>;
  };
  createTime: number;
  updateTime: number;
}

export interface TicketForm {
  id: number;
  name: string;
  description: string;
  endUserTitle: string;
  active: boolean;
  default: boolean;
  content: { fields: number[]; timerSettings: { enabled: boolean } };
  createTime: number;
  updateTime: number;
}

/** Which tickets a board lists (the real conditions are opaque; this is enough for paging tests). */
export type BoardMatch = 'all' | 'open' | 'unassigned' | 'mine';

export interface Board {
  id: number;
  uid: string;
  name: string;
  description: string;
  system: boolean;
  columns: string[];
  sortBy: Array<{ field: string; direction: 'ASC' | 'DESC' }>;
  conditions: { any: unknown[]; all: unknown[] };
  _match: BoardMatch;
}

export interface Ticket {
  id: number;
  version: number;
  nodeId: number | null;
  clientId: number;
  locationId: number | null;
  assignedAppUserId: number | null;
  requesterUid: string | null;
  subject: string;
  status: TicketStatus;
  type: string | null;
  priority: string;
  severity: string;
  ticketFormId: number;
  source: string;
  tags: string[];
  ccList: { uids: string[]; emails: string[] };
  createTime: number;
  lastUpdated: number;
  deleted: boolean;
  attributeValues: Array<{ id: number; attributeId: number; value: unknown }>;
  additionalAssignedTechnicianIds: number[];
  parentTicketId: number | null;
  followupTime: number | null;
}

export interface LogEntryFile {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface LogEntry {
  id: number;
  ticketId: number;
  appUserContactUid: string | null;
  appUserContactId: number | null;
  appUserContactType: 'TECHNICIAN' | 'END_USER' | 'CONTACT' | null;
  type: 'DESCRIPTION' | 'COMMENT' | 'CONDITION' | 'SAVE' | 'DELETE' | 'PRODUCT' | 'INFO';
  body: string | null;
  htmlBody: string | null;
  fullEmailBody: string | null;
  publicEntry: boolean;
  system: boolean;
  createTime: number;
  changeDiff: Record<string, unknown> | null;
  activityId: number | null;
  timeTracked: number | null;
  technicianTagged: number[];
  automation: unknown;
  ticketTimeEntry: unknown;
  emailResponse: boolean;
  /** Simulator-only: the files posted with a comment (NinjaOne exposes them elsewhere). */
  _files: LogEntryFile[];
}

/** A complete tenant: what `seed` loads. */
export interface SimFixture {
  clients: SimClientApp[];
  organizations: Organization[];
  locations: Location[];
  contacts: Contact[];
  endUsers: EndUser[];
  technicians: Technician[];
  devices: Device[];
  statuses: TicketStatus[];
  attributes: TicketAttribute[];
  forms: TicketForm[];
  boards: Board[];
  tickets: Ticket[];
  logEntries: LogEntry[];
  /** First id handed to a created ticket. */
  nextTicketId: number;
}

export type SeedName = 'demo' | 'empty';
export type SeedInput = SeedName | SimFixture;
