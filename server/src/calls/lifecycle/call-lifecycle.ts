import { Op, type CreationAttributes, type Transaction } from 'sequelize';
import type { Call } from '@cwn/protocol';
import type { CallModel, Models } from '../../db/models';
import type { Logger } from '../../logger';
import { toCallDto } from '../call-dto';
import {
  CallTransitionError,
  nextStatus,
  statusesLeftBy,
  type LifecycleEvent,
} from './transitions';

/** The one event about a call's status: it was created, or an event moved it (or only its times). */
export interface CallMoved {
  call: Call;
  event: LifecycleEvent | 'created';
}

export interface MoveOptions {
  transaction?: Transaction;
  /** False: the caller announces a later state itself (an upload announces once, after queueing). */
  announce?: boolean;
}

/** A new call starts ringing (reported by the extension) or ended (created by its recording's upload). */
export type NewCall = CreationAttributes<CallModel> & { status: 'ringing' | 'ended' };

/** Tries of a strict move whose row changed under it (another request moved the call first). */
const STRICT_TRIES = 3;

/**
 * The owner of a call's status: every module asks it to move a call, through the transition table
 * (./transitions), and listeners hear one `moved` event per change, after its transaction commits.
 * Writes are conditional on the status they leave, so concurrent deliveries never move a call back.
 */
export class CallLifecycle {
  private readonly listeners: ((moved: CallMoved) => void)[] = [];

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  onMoved(listener: (moved: CallMoved) => void): void {
    this.listeners.push(listener);
  }

  async create(values: NewCall, options: MoveOptions = {}): Promise<CallModel> {
    const row = await this.models.Call.create(values, { transaction: options.transaction });
    if (options.announce !== false) this.announce(row, 'created', options.transaction);
    return row;
  }

  /**
   * Moves `row` by `event` and saves it with `changes` (times, names), or throws
   * `CallTransitionError` when the table refuses the move from the call's current status.
   */
  async move(
    row: CallModel,
    event: LifecycleEvent,
    options: MoveOptions & { changes?: (row: CallModel) => void } = {},
  ): Promise<CallModel> {
    for (let attempt = 1; ; attempt++) {
      const from = row.status;
      const next = nextStatus(from, event);
      if (!next) throw new CallTransitionError(from, event);
      options.changes?.(row);
      if (next !== from) {
        row.status = next;
        row.failureReason = null;
      }
      const changed = row.changed() || [];
      const values = Object.fromEntries(changed.map((k) => [k, row.get(k)])) as Partial<CallModel>;
      values.status = row.status;
      const [count] = await this.models.Call.update(values, {
        where: { id: row.id, status: from },
        transaction: options.transaction,
      });
      if (count === 1) {
        await row.reload({ transaction: options.transaction });
        if (options.announce !== false) this.announce(row, event, options.transaction);
        return row;
      }
      // Another write moved the call since it was read: decide again from where it is now.
      await row.reload({ transaction: options.transaction });
      if (attempt >= STRICT_TRIES) throw new CallTransitionError(row.status, event);
    }
  }

  /**
   * Moves the call by `event` when its status allows it; null when it does not (another delivery,
   * replica or step got there first). For the processing steps, which all lead to one status.
   */
  async tryMove(
    callId: string,
    event: LifecycleEvent,
    options: MoveOptions & { failureReason?: string } = {},
  ): Promise<CallModel | null> {
    const from = statusesLeftBy(event);
    const target = nextStatus(from[0]!, event)!;
    if (from.some((s) => nextStatus(s, event) !== target)) {
      throw new Error(`${event} leads to several statuses: use move()`);
    }
    const [, rows] = await this.models.Call.update(
      {
        status: target,
        failureReason: target === 'failed' ? (options.failureReason ?? null) : null,
      },
      {
        where: { id: callId, status: { [Op.in]: from.filter((s) => s !== target) } },
        transaction: options.transaction,
        returning: true,
      },
    );
    const row = rows[0] ?? null;
    if (row && options.announce !== false) this.announce(row, event, options.transaction);
    return row;
  }

  /** Tells the listeners about `row` as it is when the transaction (if any) commits. */
  announce(row: CallModel, event: CallMoved['event'], transaction?: Transaction): void {
    const tell = () => {
      const moved: CallMoved = { call: toCallDto(row), event };
      for (const listener of this.listeners) {
        try {
          listener(moved);
        } catch (err) {
          // The move is stored; a listener's failure (a socket adapter down) must not undo it.
          this.logger.warn({ err, callId: row.id, event }, 'a call move listener failed');
        }
      }
    };
    if (transaction) transaction.afterCommit(tell);
    else tell();
  }
}
