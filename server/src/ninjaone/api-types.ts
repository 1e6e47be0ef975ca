import { z } from 'zod';
import type { Logger } from '../logger';
import { NinjaOneError } from './errors';

/**
 * The parts of NinjaOne's responses we read (ninjaone.md §2–§3), parsed leniently: unknown fields
 * pass, missing optional ones default, so a newer instance does not break us.
 */
const int = z.number().int();
const text = z.string().nullable().optional();

export const ApiOrganization = z.looseObject({ id: int, name: z.string() });
export type ApiOrganization = z.infer<typeof ApiOrganization>;

export const ApiPerson = z.looseObject({
  id: int,
  uid: z.string(),
  organizationId: int.nullable().optional(),
  firstName: text,
  lastName: text,
  email: text,
  phone: text,
});
export type ApiPerson = z.infer<typeof ApiPerson>;

/** A device as `GET /organization/{id}/devices` lists it: only its names are read. */
export const ApiDevice = z.looseObject({
  id: int,
  organizationId: int.nullable().optional(),
  systemName: text,
  displayName: text,
});
export type ApiDevice = z.infer<typeof ApiDevice>;

export const ApiTicketForm = z.looseObject({
  id: int,
  name: z.string(),
  active: z.boolean().optional(),
  default: z.boolean().optional(),
});
export type ApiTicketForm = z.infer<typeof ApiTicketForm>;

export const ApiStatus = z.looseObject({
  name: z.string(),
  displayName: text,
  parentId: int.nullable().optional(),
  statusId: int,
});
export type ApiStatus = z.infer<typeof ApiStatus>;

export const ApiTicket = z.looseObject({
  id: int,
  subject: z.string().optional(),
  clientId: int.optional(),
});
export type ApiTicket = z.infer<typeof ApiTicket>;

export const ApiBoard = z.looseObject({ id: int, name: z.string() });
export type ApiBoard = z.infer<typeof ApiBoard>;

export const ApiBoardRun = z.looseObject({
  data: z.array(z.record(z.string(), z.unknown())),
  metadata: z.looseObject({ lastCursorId: int.nullable().optional() }).nullable().optional(),
});

export interface ParsedList<T> {
  items: T[];
  /** Records that did not parse and were left out. */
  skipped: number;
  /** The first left-out record's problem, for the log. */
  firstIssue: string | null;
}

/**
 * A NinjaOne list, record by record: one odd record (a person without a numeric id, say) is
 * skipped and counted instead of losing the whole list. A body that is not a list at all is a
 * retryable NinjaOne error (a proxy page, a half-deployed instance).
 */
export function parseListLenient<T extends z.ZodType>(
  schema: T,
  body: unknown,
  what: string,
): ParsedList<z.infer<T>> {
  if (!Array.isArray(body)) {
    throw new NinjaOneError(`unexpected NinjaOne ${what} list: not a JSON array`, {
      kind: 'retryable',
      code: 'bad_response',
    });
  }
  const items: z.infer<T>[] = [];
  let skipped = 0;
  let firstIssue: string | null = null;
  for (const record of body) {
    const r = schema.safeParse(record);
    if (r.success) items.push(r.data);
    else {
      skipped += 1;
      if (firstIssue === null) {
        const issue = r.error.issues[0];
        firstIssue = issue
          ? `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`
          : 'invalid';
      }
    }
  }
  return { items, skipped, firstIssue };
}

/** A NinjaOne list whose odd records are skipped and, when there were any, logged once. */
export function parseList<T extends z.ZodType>(
  schema: T,
  body: unknown,
  what: string,
  logger?: Pick<Logger, 'warn'>,
): z.infer<T>[] {
  const r = parseListLenient(schema, body, what);
  if (r.skipped > 0) logSkipped(logger, what, r);
  return r.items;
}

export function logSkipped(
  logger: Pick<Logger, 'warn'> | undefined,
  what: string,
  r: Pick<ParsedList<unknown>, 'skipped' | 'firstIssue' | 'items'>,
): void {
  logger?.warn(
    { list: what, skipped: r.skipped, kept: r.items.length, firstIssue: r.firstIssue },
    'ninjaone list records skipped: they do not parse',
  );
}
