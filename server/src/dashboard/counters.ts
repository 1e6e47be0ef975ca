import { QueryTypes, type Sequelize } from 'sequelize';
import type { DashboardCounters } from '@cwn/protocol';

/**
 * Today's wallboard figures, each from one small function, all in this file (null = not measured).
 */
export interface CounterSource {
  sequelize: Sequelize;
  /** Start (inclusive) and end (exclusive) of "today" in the server's local time zone (TZ). */
  day: { start: Date; end: Date };
}

export function localDay(now: Date): { start: Date; end: Date } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  return { start, end };
}

type CallCounters = Pick<
  DashboardCounters,
  'callsInbound' | 'callsOutbound' | 'callsAnswered' | 'callsMissed' | 'averageHandleSeconds'
>;

/** Calls started today: by direction, answered vs missed, and the mean answered → hang-up time. */
export async function callCounters({ sequelize, day }: CounterSource): Promise<CallCounters> {
  const [row] = await sequelize.query<{
    inbound: string;
    outbound: string;
    answered: string;
    missed: string;
    aht: string | null;
  }>(
    `SELECT count(*) FILTER (WHERE direction = 'inbound') AS inbound,
            count(*) FILTER (WHERE direction = 'outbound') AS outbound,
            count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
            count(*) FILTER (WHERE status = 'missed') AS missed,
            avg(extract(epoch FROM ended_at - answered_at))
              FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL) AS aht
       FROM calls
      WHERE started_at >= :start AND started_at < :end`,
    { type: QueryTypes.SELECT, replacements: { start: day.start, end: day.end } },
  );
  return {
    callsInbound: Number(row?.inbound ?? 0),
    callsOutbound: Number(row?.outbound ?? 0),
    callsAnswered: Number(row?.answered ?? 0),
    callsMissed: Number(row?.missed ?? 0),
    averageHandleSeconds: row?.aht == null ? null : Math.round(Number(row.aht)),
  };
}

async function scalar({ sequelize, day }: CounterSource, sql: string): Promise<string | null> {
  const [row] = await sequelize.query<{ value: string | null }>(sql, {
    type: QueryTypes.SELECT,
    replacements: { start: day.start, end: day.end },
  });
  return row?.value ?? null;
}

/** The validation backlog: transcripts stored and not validated yet, whatever their day. */
export async function transcriptsAwaitingValidation(src: CounterSource): Promise<number | null> {
  return Number(
    await scalar(src, `SELECT count(*) AS value FROM transcripts WHERE status = 'draft'`),
  );
}

/** NinjaOne tickets created today. */
export async function ticketsToday(src: CounterSource): Promise<number | null> {
  return Number(
    await scalar(
      src,
      `SELECT count(*) AS value FROM tickets
        WHERE state = 'created' AND created_ticket_at >= :start AND created_ticket_at < :end`,
    ),
  );
}

/** Mean seconds from a call's hang-up to its stored transcript, over transcripts stored today. */
export async function averageHangupToTranscriptSeconds(src: CounterSource): Promise<number | null> {
  const value = await scalar(
    src,
    `SELECT avg(greatest(0, extract(epoch FROM t.created_at - c.ended_at))) AS value
       FROM transcripts t JOIN calls c ON c.id = t.call_id
      WHERE t.created_at >= :start AND t.created_at < :end AND c.ended_at IS NOT NULL`,
  );
  return value == null ? null : Math.round(Number(value) * 10) / 10;
}

export async function computeCounters(src: CounterSource): Promise<DashboardCounters> {
  const [calls, awaiting, tickets, hangupToTranscript] = await Promise.all([
    callCounters(src),
    transcriptsAwaitingValidation(src),
    ticketsToday(src),
    averageHangupToTranscriptSeconds(src),
  ]);
  return {
    ...calls,
    transcriptsAwaitingValidation: awaiting,
    ticketsToday: tickets,
    averageHangupToTranscriptSeconds: hangupToTranscript,
  };
}
