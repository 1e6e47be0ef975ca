/**
 * Ticket endpoints: create, read, full-replace update with version
 * check, multipart comment, log entries, board run.
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { boardMatches, requireWrite, tokenOf } from './guards';
import { locals, notFound, reply, replyRaw, validationFailed } from './http';
import type { AccessToken, SimState } from './state';
import { incidentId, sha256Hex } from './state';
import type { LogEntry, Ticket, TicketStatus } from './types';

export const TICKET_TYPES = [
  'PROBLEM',
  'QUESTION',
  'INCIDENT',
  'TASK',
  'CHANGE_REQUEST',
  'SERVICE_REQUEST',
  'PROJECT',
  'APPOINTMENT',
  'MISCELLANEOUS',
] as const;
export const PRIORITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
export const SEVERITIES = ['NONE', 'MINOR', 'MODERATE', 'MAJOR', 'CRITICAL'] as const;
const LOG_TYPES = [
  'DESCRIPTION',
  'COMMENT',
  'CONDITION',
  'SAVE',
  'DELETE',
  'PRODUCT',
  'INFO',
] as const;

const int32 = z.int32();
const uidSchema = z.guid();

const description = z.object({
  public: z.boolean(),
  body: z.string().nullable().optional(),
  htmlBody: z.string().nullable().optional(),
  timeTracked: z.int32().min(0).nullable().optional(),
  duplicateInIncidents: z.boolean().nullable().optional(),
});

const ticketFields = {
  clientId: int32,
  ticketFormId: int32,
  subject: z.string().trim().min(1).max(200),
  status: z.union([z.string(), z.number()]),
  type: z.enum(TICKET_TYPES).nullable().optional(),
  priority: z.enum(PRIORITIES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  requesterUid: uidSchema.nullable().optional(),
  assignedAppUserId: int32.nullable().optional(),
  additionalAssignedTechnicianIds: z.array(int32).optional(),
  nodeId: int32.nullable().optional(),
  locationId: int32.nullable().optional(),
  parentTicketId: int32.nullable().optional(),
  cc: z
    .object({
      uids: z.array(uidSchema).nullable().optional(),
      emails: z.array(z.string()).nullable().optional(),
    })
    .nullable()
    .optional(),
  tags: z.array(z.string()).nullable().optional(),
  attributes: z
    .array(z.object({ attributeId: int32, value: z.string(), id: int32.optional() }))
    .nullable()
    .optional(),
  followupTime: z.number().nullable().optional(),
};

const createLoose = z.object({ ...ticketFields, description: description.optional() });
const createStrict = z.strictObject({ ...ticketFields, description: description.optional() });
const updateFields = { ...ticketFields, version: int32, requesterUid: uidSchema };
const updateLoose = z.object(updateFields);
// On update `description`/`comment` are ignored (and noted), never rejected.
const updateStrict = z.strictObject({
  ...updateFields,
  description: z.unknown().optional(),
  comment: z.unknown().optional(),
});

type TicketInput = z.infer<typeof createLoose>;

function pathString(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  int32: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

/** zod issues → `"<field>: <reason>"` strings. */
export function zodMessages(err: z.ZodError, input: unknown): string[] {
  return err.issues.map((issue) => {
    const field = pathString(issue.path) || 'body';
    const i = issue as unknown as Record<string, unknown>;
    if (
      (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
      valueAt(input, issue.path) === undefined
    ) {
      return `${field}: is required`;
    }
    switch (issue.code) {
      case 'invalid_type':
        return `${field}: must be ${TYPE_NAMES[String(i.expected)] ?? String(i.expected)}`;
      case 'too_big':
        return i.origin === 'string'
          ? `${field}: must be at most ${String(i.maximum)} characters`
          : `${field}: must be at most ${String(i.maximum)}`;
      case 'too_small':
        return i.origin === 'string'
          ? `${field}: must not be blank`
          : `${field}: must be at least ${String(i.minimum)}`;
      case 'invalid_value':
        return `${field}: must be one of ${(i.values as unknown[]).map(String).join(', ')}`;
      case 'unrecognized_keys':
        return (i.keys as string[])
          .map((k) => `${pathString([...issue.path, k])}: unknown field`)
          .join('; ');
      case 'invalid_format':
        return `${field}: must be a ${String(i.format === 'guid' ? 'uuid' : i.format)}`;
      case 'invalid_union':
        return `${field}: must be a string`;
      default:
        return `${field}: ${issue.message}`;
    }
  });
}

function resolveStatus(state: SimState, raw: string | number): TicketStatus | undefined {
  const s = String(raw).trim();
  const byId = state.data.statuses.find((x) => String(x.statusId) === s);
  if (byId) return byId;
  if (state.config.statusAcceptsNames) {
    const l = s.toLowerCase();
    return state.data.statuses.find(
      (x) => x.name.toLowerCase() === l || x.displayName.toLowerCase() === l,
    );
  }
  return undefined;
}

function findPerson(state: SimState, uid: string): { organizationId: number | null } | undefined {
  const d = state.data;
  if (d.technicians.some((t) => t.uid === uid)) return { organizationId: null };
  return d.endUsers.find((u) => u.uid === uid) ?? d.contacts.find((c) => c.uid === uid);
}

/** Cross-reference checks shared by create and update. */
function semanticErrors(
  state: SimState,
  b: TicketInput,
  selfId: number | null,
): { errors: string[]; status?: TicketStatus } {
  const d = state.data;
  const errors: string[] = [];
  if (!d.organizations.some((o) => o.id === b.clientId))
    errors.push(`clientId: organization ${b.clientId} not found`);
  const form = d.forms.find((f) => f.id === b.ticketFormId);
  if (!form) errors.push(`ticketFormId: ticket form ${b.ticketFormId} not found`);
  else if (!form.active) errors.push(`ticketFormId: ticket form ${b.ticketFormId} is not active`);
  const status = resolveStatus(state, b.status);
  if (!status) errors.push(`status: unknown status '${String(b.status)}'`);
  if (b.requesterUid) {
    const p = findPerson(state, b.requesterUid);
    if (!p) errors.push(`requesterUid: no user or contact with uid ${b.requesterUid}`);
    else if (p.organizationId !== null && p.organizationId !== b.clientId) {
      errors.push(`requesterUid: requester does not belong to organization ${b.clientId}`);
    }
  }
  if (b.nodeId !== undefined && b.nodeId !== null) {
    const dev = d.devices.find((x) => x.id === b.nodeId);
    if (!dev) errors.push(`nodeId: device ${b.nodeId} not found`);
    else if (dev.organizationId !== b.clientId)
      errors.push(`nodeId: device ${b.nodeId} does not belong to organization ${b.clientId}`);
  }
  if (b.locationId !== undefined && b.locationId !== null) {
    const loc = d.locations.find((x) => x.id === b.locationId);
    if (!loc) errors.push(`locationId: location ${b.locationId} not found`);
    else if (loc.organizationId !== b.clientId)
      errors.push(
        `locationId: location ${b.locationId} does not belong to organization ${b.clientId}`,
      );
  }
  if (
    b.assignedAppUserId !== undefined &&
    b.assignedAppUserId !== null &&
    !d.technicians.some((t) => t.id === b.assignedAppUserId)
  ) {
    errors.push(`assignedAppUserId: technician ${b.assignedAppUserId} not found`);
  }
  const extra = b.additionalAssignedTechnicianIds ?? [];
  if (new Set(extra).size !== extra.length)
    errors.push('additionalAssignedTechnicianIds: must be unique');
  extra.forEach((id, i) => {
    if (!d.technicians.some((t) => t.id === id))
      errors.push(`additionalAssignedTechnicianIds[${i}]: technician ${id} not found`);
  });
  if (
    b.parentTicketId !== undefined &&
    b.parentTicketId !== null &&
    !d.tickets.some((t) => t.id === b.parentTicketId && t.id !== selfId)
  ) {
    errors.push(`parentTicketId: ticket ${b.parentTicketId} not found`);
  }
  (b.attributes ?? []).forEach((a, i) => {
    if (!d.attributes.some((x) => x.id === a.attributeId))
      errors.push(`attributes[${i}].attributeId: attribute ${a.attributeId} not found`);
  });
  return { errors, status };
}

function author(
  state: SimState,
  t: AccessToken,
): Pick<LogEntry, 'appUserContactUid' | 'appUserContactId' | 'appUserContactType'> {
  const tech =
    t.technicianId === null
      ? undefined
      : state.data.technicians.find((x) => x.id === t.technicianId);
  return tech
    ? { appUserContactUid: tech.uid, appUserContactId: tech.id, appUserContactType: 'TECHNICIAN' }
    : { appUserContactUid: null, appUserContactId: null, appUserContactType: null };
}

function logEntry(
  state: SimState,
  ticketId: number,
  t: AccessToken,
  fields: Partial<LogEntry> & Pick<LogEntry, 'type'>,
): LogEntry {
  const e: LogEntry = {
    id: state.nextLogEntryId(),
    ticketId,
    ...author(state, t),
    body: null,
    htmlBody: null,
    fullEmailBody: null,
    publicEntry: false,
    system: false,
    createTime: state.now(),
    changeDiff: null,
    activityId: null,
    timeTracked: null,
    technicianTagged: [],
    automation: null,
    ticketTimeEntry: null,
    emailResponse: false,
    _files: [],
    ...fields,
  };
  state.data.logEntries.push(e);
  return e;
}

export function ticketOut(t: Ticket) {
  const { lastUpdated: _l, ...rest } = t;
  return structuredClone(rest);
}

export function logEntryOut(e: LogEntry) {
  const { _files: _f, ticketId: _t, ...rest } = e;
  return structuredClone(rest);
}

function applyFields(
  state: SimState,
  b: TicketInput,
  status: TicketStatus,
  into: Partial<Ticket>,
): void {
  let attrSeq = Math.max(
    0,
    ...state.data.tickets.flatMap((t) => t.attributeValues.map((a) => a.id)),
  );
  const previous = into.attributeValues ?? [];
  const valueId = (attributeId: number, id: number | undefined): number =>
    id ?? previous.find((p) => p.attributeId === attributeId)?.id ?? ++attrSeq;
  Object.assign(into, {
    clientId: b.clientId,
    ticketFormId: b.ticketFormId,
    subject: b.subject,
    status: { ...status },
    type: b.type ?? null,
    priority: b.priority ?? 'NONE',
    severity: b.severity ?? 'NONE',
    requesterUid: b.requesterUid ?? null,
    assignedAppUserId: b.assignedAppUserId ?? null,
    additionalAssignedTechnicianIds: b.additionalAssignedTechnicianIds ?? [],
    nodeId: b.nodeId ?? null,
    locationId: b.locationId ?? null,
    parentTicketId: b.parentTicketId ?? null,
    ccList: { uids: b.cc?.uids ?? [], emails: b.cc?.emails ?? [] },
    tags: b.tags ?? [],
    attributeValues: (b.attributes ?? []).map((a) => ({
      id: valueId(a.attributeId, a.id),
      attributeId: a.attributeId,
      value: a.value,
    })),
    followupTime: b.followupTime ?? null,
  });
}

const BOARD_COLUMNS = [
  'id',
  'subject',
  'status',
  'clientId',
  'nodeId',
  'locationId',
  'requesterUid',
  'assignedAppUserId',
  'priority',
  'severity',
  'type',
  'ticketFormId',
  'source',
  'tags',
  'createTime',
  'lastUpdated',
] as const;
const FILTER_FIELDS = new Set<string>([...BOARD_COLUMNS, 'ticket_changed', 'ticket_created']);
const OPERATORS = new Set([
  'eq',
  'neq',
  'in',
  'not_in',
  'contains',
  'present',
  'not_present',
  'greater_than',
  'less_than',
  'hours_since:greater_or_equal_than',
  'hours_since:less_than',
]);

const boardRunBody = z.object({
  sortBy: z
    .array(z.object({ field: z.string(), direction: z.enum(['ASC', 'DESC']).optional() }))
    .optional(),
  filters: z
    .array(
      z.object({
        field: z.string(),
        operator: z.string(),
        value: z.unknown().optional(),
        params: z.unknown().optional(),
      }),
    )
    .optional(),
  pageSize: z.int32().min(1).max(1000).optional(),
  searchCriteria: z.string().max(512).nullable().optional(),
  includeColumns: z.array(z.string()).nullable().optional(),
  lastCursorId: z.int32().nullable().optional(),
});

function columnValue(t: Ticket, field: string): unknown {
  if (field === 'ticket_changed') return t.lastUpdated;
  if (field === 'ticket_created') return t.createTime;
  return (t as unknown as Record<string, unknown>)[field];
}

function scalar(v: unknown): string {
  if (v && typeof v === 'object' && 'statusId' in v) return String((v as TicketStatus).statusId);
  return String(v);
}

function filterMatches(
  state: SimState,
  t: Ticket,
  f: { field: string; operator: string; value?: unknown },
): boolean {
  const v = columnValue(t, f.field);
  const list = (): string[] =>
    Array.isArray(f.value)
      ? f.value.map(String)
      : String(f.value ?? '')
          .split(',')
          .map((s) => s.trim());
  const statusAlt = (x: string): boolean =>
    f.field === 'status' &&
    typeof v === 'object' &&
    v !== null &&
    [(v as TicketStatus).name, (v as TicketStatus).displayName].some(
      (n) => n.toLowerCase() === x.toLowerCase(),
    );
  switch (f.operator) {
    case 'eq':
      return scalar(v) === String(f.value) || statusAlt(String(f.value));
    case 'neq':
      return !(scalar(v) === String(f.value) || statusAlt(String(f.value)));
    case 'in':
      return list().some((x) => x === scalar(v) || statusAlt(x));
    case 'not_in':
      return !list().some((x) => x === scalar(v) || statusAlt(x));
    case 'contains':
      return (Array.isArray(v) ? v.join(' ') : scalar(v))
        .toLowerCase()
        .includes(String(f.value ?? '').toLowerCase());
    case 'present':
      return v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
    case 'not_present':
      return v === null || v === undefined || (Array.isArray(v) && v.length === 0);
    case 'greater_than':
      return Number(scalar(v)) > Number(f.value);
    case 'less_than':
      return Number(scalar(v)) < Number(f.value);
    default: {
      // hours_since:*, value "H:M"
      const [h, m] = String(f.value ?? '0:0')
        .split(':')
        .map(Number);
      const hours = (state.now() - Number(v)) / 3600;
      const limit = (h ?? 0) + (m ?? 0) / 60;
      return f.operator.endsWith('greater_or_equal_than') ? hours >= limit : hours < limit;
    }
  }
}

export function registerTicketRoutes(r: express.Router, state: SimState): void {
  const d = () => state.data;
  const findTicket = (req: Request): Ticket | undefined => {
    const id = Number(req.params.id);
    return d().tickets.find((t) => t.id === id);
  };

  r.post('/ticketing/ticket', requireWrite(state, 'ticket'), (req, res) => {
    const body: unknown = req.body;
    if (
      !req.is('application/json') ||
      body === null ||
      typeof body !== 'object' ||
      Array.isArray(body)
    ) {
      return reply(res, 415, {
        resultCode: 'FAILURE',
        errorMessage: 'Content type must be application/json',
        incidentId: incidentId(),
      });
    }
    const parsed = (state.config.rejectUnknownTicketFields ? createStrict : createLoose).safeParse(
      body,
    );
    if (!parsed.success) return validationFailed(res, state, zodMessages(parsed.error, body));
    const b = parsed.data;
    const errors: string[] = [];
    if (state.config.requireRequesterUidOnCreate && !b.requesterUid)
      errors.push('requesterUid: is required');
    const sem = semanticErrors(state, b, null);
    errors.push(...sem.errors);
    if (errors.length > 0 || !sem.status) return validationFailed(res, state, errors);

    const token = tokenOf(res);
    const now = state.now();
    const t = {
      id: d().nextTicketId++,
      version: 1,
      source: 'TECHNICIAN',
      createTime: now,
      lastUpdated: now,
      deleted: false,
    } as Ticket;
    applyFields(state, b, sem.status, t);
    d().tickets.push(t);
    if (b.description) {
      logEntry(state, t.id, token, {
        type: 'DESCRIPTION',
        body: b.description.body ?? null,
        htmlBody: b.description.htmlBody ?? null,
        publicEntry: b.description.public,
        timeTracked: b.description.timeTracked ?? null,
      });
    }
    reply(res, 200, ticketOut(t));
  });

  r.get('/ticketing/ticket/:id', (req, res) => {
    const t = findTicket(req);
    if (!t) return notFound(res, 'Ticket not found');
    reply(res, 200, ticketOut(t));
  });

  r.put('/ticketing/ticket/:id', requireWrite(state, 'ticket'), (req, res) => {
    const t = findTicket(req);
    if (!t) return notFound(res, 'Ticket not found');
    const body: unknown = req.body;
    if (
      !req.is('application/json') ||
      body === null ||
      typeof body !== 'object' ||
      Array.isArray(body)
    ) {
      return reply(res, 415, {
        resultCode: 'FAILURE',
        errorMessage: 'Content type must be application/json',
        incidentId: incidentId(),
      });
    }
    const entry = locals(res).entry;
    for (const k of ['description', 'comment'])
      if (k in body) entry?.notes.push(`ignored key '${k}' on ticket update`);
    const parsed = (state.config.rejectUnknownTicketFields ? updateStrict : updateLoose).safeParse(
      body,
    );
    if (!parsed.success) return validationFailed(res, state, zodMessages(parsed.error, body));
    const b = parsed.data;
    const sem = semanticErrors(state, b, t.id);
    if (sem.errors.length > 0 || !sem.status) return validationFailed(res, state, sem.errors);
    if (b.version !== t.version)
      return reply(res, state.config.versionConflict.status, state.config.versionConflict.body);

    const before = ticketOut(t) as Record<string, unknown>;
    applyFields(state, b, sem.status, t);
    t.version += 1;
    t.lastUpdated = state.now();
    const after = ticketOut(t) as Record<string, unknown>;
    const changeDiff: Record<string, unknown> = {};
    for (const k of Object.keys(after)) {
      if (k !== 'version' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        changeDiff[k] = { old: before[k], new: after[k] };
    }
    logEntry(state, t.id, tokenOf(res), { type: 'SAVE', changeDiff, system: false });
    reply(res, 200, ticketOut(t));
  });

  r.post('/ticketing/ticket/:id/comment', requireWrite(state, 'ticket'), (req, res) => {
    if (!req.is('multipart/form-data')) {
      return reply(res, state.config.commentNonMultipartStatus, {
        resultCode: 'FAILURE',
        errorMessage: `Content type '${req.headers['content-type'] ?? ''}' not supported`,
        incidentId: incidentId(),
      });
    }
    const t = findTicket(req);
    if (!t) return notFound(res, 'Ticket not found');
    const files = locals(res).files ?? [];
    const fields = (req.body ?? {}) as Record<string, string>;
    let text: string | undefined = fields.comment;
    const commentFile = files.find((f) => f.field === 'comment');
    if (text === undefined && commentFile) text = commentFile.data.toString('utf8');
    if (text === undefined) return validationFailed(res, state, ['comment: is required']);
    let comment: unknown;
    try {
      comment = JSON.parse(text);
    } catch {
      return validationFailed(res, state, ['comment: must be a JSON object']);
    }
    const parsed = description.safeParse(comment);
    if (!parsed.success)
      return validationFailed(
        res,
        state,
        zodMessages(parsed.error, comment).map((m) => `comment.${m}`),
      );
    const c = parsed.data;
    const attached = files
      .filter((f) => f.field !== 'comment')
      .map((f) => ({
        name: f.filename,
        contentType: f.contentType,
        size: f.data.length,
        sha256: sha256Hex(f.data),
      }));
    const e = logEntry(state, t.id, tokenOf(res), {
      type: 'COMMENT',
      body: c.body ?? null,
      htmlBody: c.htmlBody ?? null,
      publicEntry: c.public,
      timeTracked: c.timeTracked ?? null,
      _files: attached,
    });
    t.lastUpdated = state.now();
    switch (state.config.commentResponse) {
      case '204':
        return reply(res, 204);
      case 'entry-200':
        return reply(res, 200, logEntryOut(e));
      default:
        return replyRaw(res, 200, 'application/json', '');
    }
  });

  r.get('/ticketing/ticket/:id/log-entry', (req, res) => {
    const t = findTicket(req);
    if (!t) return notFound(res, 'Ticket not found');
    const q = req.query as Record<string, string | undefined>;
    if (q.type && !(LOG_TYPES as readonly string[]).includes(q.type)) {
      return validationFailed(res, state, [`type: must be one of ${LOG_TYPES.join(', ')}`]);
    }
    const anchor = q.anchorId !== undefined ? Number(q.anchorId) : null;
    const since = q.createTime !== undefined && q.createTime !== '' ? Number(q.createTime) : null;
    const size = state.pageSize(
      q.pageSize !== undefined ? Math.max(1, Number(q.pageSize) || 500) : null,
      500,
    )!;
    const rows = d()
      .logEntries.filter((e) => e.ticketId === t.id)
      .filter((e) => !q.type || e.type === q.type)
      .filter((e) => anchor === null || Number.isNaN(anchor) || e.id > anchor)
      .filter((e) => since === null || Number.isNaN(since) || e.createTime >= since)
      .sort((a, b) => a.id - b.id)
      .slice(0, size);
    reply(res, 200, rows.map(logEntryOut));
  });

  r.post('/ticketing/trigger/board/:id/run', (req, res) => {
    const board = d().boards.find((b) => b.id === Number(req.params.id));
    if (!board) return notFound(res, 'Board not found');
    const raw: unknown = req.body && typeof req.body === 'object' ? req.body : {};
    const parsed = boardRunBody.safeParse(raw);
    if (!parsed.success) return validationFailed(res, state, zodMessages(parsed.error, raw));
    const b = parsed.data;
    const errors: string[] = [];
    (b.filters ?? []).forEach((f, i) => {
      if (!FILTER_FIELDS.has(f.field))
        errors.push(`filters[${i}].field: unknown field '${f.field}'`);
      if (!OPERATORS.has(f.operator))
        errors.push(`filters[${i}].operator: unknown operator '${f.operator}'`);
    });
    (b.sortBy ?? []).forEach((s, i) => {
      if (!FILTER_FIELDS.has(s.field))
        errors.push(`sortBy[${i}].field: unknown field '${s.field}'`);
    });
    (b.includeColumns ?? []).forEach((c, i) => {
      if (!(BOARD_COLUMNS as readonly string[]).includes(c))
        errors.push(`includeColumns[${i}]: unknown column '${c}'`);
    });
    if (errors.length) return validationFailed(res, state, errors);

    const token = tokenOf(res);
    const search = (b.searchCriteria ?? '').toLowerCase();
    const sortBy = b.sortBy?.length ? b.sortBy : board.sortBy;
    let rows = d()
      .tickets.filter((t) => !t.deleted && boardMatches(board._match, t, token.technicianId))
      .filter((t) => (b.filters ?? []).every((f) => filterMatches(state, t, f)))
      .filter(
        (t) => !search || t.subject.toLowerCase().includes(search) || String(t.id) === search,
      );
    rows = [...rows].sort((x, y) => {
      for (const s of sortBy) {
        const a = columnValue(x, s.field);
        const c = columnValue(y, s.field);
        const cmp =
          typeof a === 'number' && typeof c === 'number'
            ? a - c
            : scalar(a).localeCompare(scalar(c));
        if (cmp !== 0) return s.direction === 'DESC' ? -cmp : cmp;
      }
      return x.id - y.id;
    });
    if (b.lastCursorId !== undefined && b.lastCursorId !== null) {
      const idx = rows.findIndex((t) => t.id === b.lastCursorId);
      rows = idx >= 0 ? rows.slice(idx + 1) : [];
    }
    const page = rows.slice(0, state.pageSize(b.pageSize ?? null, 50)!);
    const columns = b.includeColumns?.length
      ? ['id', ...b.includeColumns.filter((c) => c !== 'id')]
      : board.columns;
    const data = page.map((t) =>
      Object.fromEntries(columns.map((c) => [c, structuredClone(columnValue(t, c) ?? null)])),
    );
    reply(res, 200, {
      data,
      metadata: {
        columns,
        sortBy,
        attributes: [],
        filters: b.filters ?? [],
        lastCursorId: page.length ? page[page.length - 1]!.id : null,
        allRequiredColumns: ['id'],
        allColumns: [...BOARD_COLUMNS],
        columnNamesForExporting: Object.fromEntries(BOARD_COLUMNS.map((c) => [c, c])),
      },
    });
  });
}
