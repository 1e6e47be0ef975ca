import {
  Op,
  UniqueConstraintError,
  where,
  fn,
  col,
  literal,
  type Transaction,
  type WhereOptions,
} from 'sequelize';
import type {
  Call,
  CallDetail,
  CallList,
  CreateCallRequest,
  ListCallsQuery,
  Transcript,
  UpdateCallRequest,
} from '@cwn/protocol';
import type { CallModel, Models } from '../db/models';
import { HttpError } from '../http/errors';
import type { AuthUser } from '../http/request-context';
import { toCallDto, toRecordingDto } from './call-dto';
import type { CallLifecycle } from './lifecycle/call-lifecycle';

/** Agents see only their own calls; every other role sees all of them. */
export function seesAllCalls(user: AuthUser): boolean {
  return user.role !== 'agent';
}

interface Cursor {
  s: string;
  i: string;
}
const encodeCursor = (c: CallModel) =>
  Buffer.from(JSON.stringify({ s: c.startedAt.toISOString(), i: c.id } satisfies Cursor)).toString(
    'base64url',
  );
function decodeCursor(raw: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof v.s === 'string' && typeof v.i === 'string' && !Number.isNaN(Date.parse(v.s))) {
      return { s: v.s, i: v.i };
    }
  } catch {
    // fall through
  }
  throw HttpError.badRequest('query.cursor: not a cursor returned by this endpoint');
}

/** `%`, `_` and `\\` are literal in a search term, not LIKE wildcards. */
const likeLiteral = (term: string) => `%${term.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/**
 * `GET /api/calls?q=`: every word must match the remote name, the number (as digits; a national
 * `0…` also matches the international form with the default country code, 33 unless configured)
 * or a transcript segment's text. Each alternative is a query of its own that a trigram index
 * answers (migration 0007): `calls.remote_name`, the number's digits, `transcripts.search_text`
 * (the segments' texts, kept by PostgreSQL). A word never contains whitespace, so it matches the
 * joined segments exactly when it matches one segment.
 */
function textSearch(
  raw: string,
  sqlLiteral: (value: string) => string,
  countryCode: string,
): WhereOptions[] {
  // A query that reads as a phone number ("06 12 34…") is one term, not one per group of digits.
  const words = /^[+\d][\d\s().-]*$/.test(raw) ? [raw.replace(/\s+/g, '')] : raw.split(/\s+/);
  return words
    .filter(Boolean)
    .slice(0, 10)
    .map((word) => {
      const text = sqlLiteral(likeLiteral(word));
      const sources = [
        `SELECT c.id FROM calls c WHERE c.remote_name ILIKE ${text}`,
        `SELECT t.call_id FROM transcripts t WHERE t.search_text ILIKE ${text}`,
      ];
      const digits = word.replace(/\D/g, '');
      if (digits.length >= 2 && /^[+\d][\d().-]*$/.test(word)) {
        const forms = [digits];
        if (digits.startsWith('0') && !digits.startsWith('00'))
          forms.push(`${countryCode}${digits.slice(1)}`);
        for (const form of forms) {
          // The very expression of the index calls_remote_digits_trgm (migration 0007).
          sources.push(
            `SELECT c.id FROM calls c WHERE regexp_replace(coalesce(c.remote_number, ''), '\\D', '', 'g') LIKE ${sqlLiteral(`%${form}%`)}`,
          );
        }
      }
      return literal(`"Call"."id" IN (${sources.join(' UNION ALL ')})`) as unknown as WhereOptions;
    });
}

export interface CallsOptions {
  /** Country calling code a national number (0…) also matches in searches (`DEFAULT_COUNTRY_CODE`). */
  defaultCountryCode: string;
  /** The call's transcript for the detail view (the transcripts module reads it). */
  transcriptOf?: (callId: string) => Promise<Transcript | null>;
}

export class CallsService {
  constructor(
    private readonly models: Models,
    private readonly lifecycle: CallLifecycle,
    private readonly now: () => Date,
    private readonly options: CallsOptions = { defaultCountryCode: '33' },
  ) {}

  /** Idempotent on (agent, pbxCallId): a repeat returns the existing call with `created: false`. */
  async create(user: AuthUser, body: CreateCallRequest): Promise<{ call: Call; created: boolean }> {
    const existing = await this.models.Call.findOne({
      where: { agentId: user.id, pbxCallId: body.pbxCallId },
    });
    if (existing) return { call: toCallDto(existing), created: false };
    try {
      const row = await this.lifecycle.create({
        id: crypto.randomUUID(),
        agentId: user.id,
        direction: body.direction,
        remoteNumber: body.remoteNumber ?? null,
        remoteName: body.remoteName ?? null,
        pbxCallId: body.pbxCallId,
        startedAt: new Date(body.startedAt),
        answeredAt: null,
        endedAt: null,
        status: 'ringing',
      });
      return { call: toCallDto(row), created: true };
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
      // Two reports of the same call raced: the other one created it.
      const row = await this.models.Call.findOne({
        where: { agentId: user.id, pbxCallId: body.pbxCallId },
      });
      if (!row) throw err;
      return { call: toCallDto(row), created: false };
    }
  }

  /** Only the call's own agent reports what happens to it. */
  async update(user: AuthUser, id: string, body: UpdateCallRequest): Promise<Call> {
    const row = await this.visible(user, id);
    if (row.agentId !== user.id) {
      throw HttpError.forbidden("only the call's agent reports its events");
    }
    const at = body.at ? new Date(body.at) : this.now();
    const moved = await this.lifecycle.move(row, body.event, {
      changes: (call) => {
        if (body.remoteName !== undefined) call.remoteName = body.remoteName;
        if (body.event === 'answered') call.answeredAt ??= at;
        if (body.event === 'ended') call.endedAt ??= at;
      },
    });
    return toCallDto(moved);
  }

  async get(user: AuthUser, id: string): Promise<CallDetail> {
    const row = await this.visible(user, id);
    const recording = await this.models.Recording.findOne({ where: { callId: id } });
    return {
      call: toCallDto(row),
      recording: recording ? toRecordingDto(recording) : null,
      transcript: (await this.options.transcriptOf?.(id)) ?? null,
    };
  }

  async list(user: AuthUser, q: ListCallsQuery): Promise<CallList> {
    const and: WhereOptions[] = [];
    if (!seesAllCalls(user)) and.push({ agentId: user.id });
    if (q.agentId) and.push({ agentId: q.agentId });
    if (q.status) and.push({ status: q.status });
    if (q.from) and.push({ startedAt: { [Op.gte]: new Date(q.from) } });
    if (q.to) and.push({ startedAt: { [Op.lt]: new Date(q.to) } });
    if (q.number) {
      const digits = q.number.replace(/\D/g, '');
      if (!digits) throw HttpError.badRequest('query.number: must contain digits');
      and.push(
        where(fn('regexp_replace', col('remote_number'), '\\D', '', 'g'), {
          [Op.like]: `%${digits}%`,
        }),
      );
    }
    if (q.q) {
      and.push(
        ...textSearch(
          q.q,
          (v) => this.models.Call.sequelize!.escape(v),
          this.options.defaultCountryCode,
        ),
      );
    }
    // The total ignores the cursor: it counts every page (the PWA's badge of calls awaiting validation).
    const total =
      q.count === 'true'
        ? await this.models.Call.count({ where: { [Op.and]: [...and] } })
        : undefined;
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      const s = new Date(c.s);
      and.push({
        [Op.or]: [{ startedAt: { [Op.lt]: s } }, { startedAt: s, id: { [Op.lt]: c.i } }],
      });
    }
    const rows = await this.models.Call.findAll({
      where: { [Op.and]: and },
      order: [
        ['startedAt', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toCallDto),
      nextCursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!) : null,
      ...(total === undefined ? {} : { total }),
    };
  }

  /**
   * Calls whose remote number, digits only, ends with `digits` (the privacy module's candidates
   * for one person's number, which it then reads in full to keep only that number's forms).
   */
  withNumberEndingIn(digits: string): Promise<CallModel[]> {
    if (!/^\d+$/.test(digits)) throw new Error('digits only');
    return this.models.Call.findAll({
      where: where(fn('regexp_replace', col('remote_number'), '\\D', '', 'g'), {
        [Op.like]: `%${digits}`,
      }),
      order: [
        ['startedAt', 'ASC'],
        ['id', 'ASC'],
      ],
    });
  }

  /**
   * Deletes calls' rows (a privacy erasure, after their recordings, transcripts and tickets):
   * removing a call is not a status move, so the lifecycle is not involved.
   */
  deleteRows(ids: string[], tx: Transaction): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.models.Call.destroy({ where: { id: ids }, transaction: tx });
  }

  /** The call if this user may see it; 404 otherwise (an agent cannot tell others' calls exist). */
  async visible(user: AuthUser, id: string): Promise<CallModel> {
    const row = await this.models.Call.findByPk(id);
    if (!row || (!seesAllCalls(user) && row.agentId !== user.id)) {
      throw HttpError.notFound('call not found');
    }
    return row;
  }
}
