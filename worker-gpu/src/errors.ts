/**
 * A failure that retrying cannot fix (corrupt audio, unknown recording, invalid payload). The job
 * processor turns it into BullMQ's UnrecoverableError so the job fails once, with this reason.
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}
