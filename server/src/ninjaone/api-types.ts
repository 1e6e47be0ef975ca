import { z } from 'zod';

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
});

export function parseList<T extends z.ZodType>(
  schema: T,
  body: unknown,
  what: string,
): z.infer<T>[] {
  const r = z.array(schema).safeParse(body);
  if (!r.success)
    throw new Error(`unexpected NinjaOne ${what} list: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}
