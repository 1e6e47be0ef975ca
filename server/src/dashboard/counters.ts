import { QueryTypes, type Sequelize } from 'sequelize';
import type { DashboardCounters } from '@cwn/protocol';

/**
 * Today's wallboard figures, each from one small function, all in this file. Functions whose table
 * is not in this build yet return null ("not measured"), and are **wired after merge** by whoever
 * lands that table: transcripts awaiting validation, tickets today, hang-up → transcript time.
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

/** Wired after merge (transcripts table): transcripts done but not validated yet. */
export async function transcriptsAwaitingValidation(_src: CounterSource): Promise<number | null> {
  return null;
}

/** Wired after merge (tickets table): NinjaOne tickets created today. */
export async function ticketsToday(_src: CounterSource): Promise<number | null> {
  return null;
}

/** Wired after merge (transcripts table): mean seconds from a call's hang-up to its transcript, today. */
export async function averageHangupToTranscriptSeconds(_src: CounterSource): Promise<number | null> {
  return null;
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
