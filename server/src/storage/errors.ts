/**
 * Storage errors. They are not HTTP errors: a route maps them (not found → 404, bad range → 416,
 * integrity → 500 and an alert: it means corruption or tampering on disk, never a client mistake).
 */

/** The stored bytes do not authenticate: corruption, truncation, reordering or tampering. */
export class StorageIntegrityError extends Error {
  readonly code = 'ERR_STORAGE_INTEGRITY';
  constructor(message: string) {
    super(message);
    this.name = 'StorageIntegrityError';
  }
}

/** The file's data key is wrapped with a master key the keyring does not hold. */
export class MasterKeyUnavailableError extends Error {
  readonly code = 'ERR_MASTER_KEY_UNAVAILABLE';
  constructor(
    message: string,
    readonly keyIds: string[],
  ) {
    super(message);
    this.name = 'MasterKeyUnavailableError';
  }
}

export class BlobNotFoundError extends Error {
  readonly code = 'ERR_BLOB_NOT_FOUND';
  constructor(readonly id: string) {
    super(`no stored blob with id ${id}`);
    this.name = 'BlobNotFoundError';
  }
}

export class BlobExistsError extends Error {
  readonly code = 'ERR_BLOB_EXISTS';
  constructor(readonly id: string) {
    super(`a blob with id ${id} already exists`);
    this.name = 'BlobExistsError';
  }
}

/** Blob ids are restricted so that they can never name a path outside the store. */
export class InvalidBlobIdError extends Error {
  readonly code = 'ERR_INVALID_BLOB_ID';
  constructor(id: string) {
    super(
      `invalid blob id ${JSON.stringify(id.slice(0, 80))}: use 1-128 characters of [A-Za-z0-9_-], not starting with - or _`,
    );
    this.name = 'InvalidBlobIdError';
  }
}

/** A byte range outside the stored object (HTTP 416). `size` is the plaintext size. */
export class RangeNotSatisfiableError extends Error {
  readonly code = 'ERR_RANGE_NOT_SATISFIABLE';
  constructor(
    readonly size: number,
    message = `range not satisfiable for a ${size}-byte object`,
  ) {
    super(message);
    this.name = 'RangeNotSatisfiableError';
  }
}

/** The stored bytes hash to something else than the client said: its upload was damaged (HTTP 400). */
export class ChecksumMismatchError extends Error {
  readonly code = 'ERR_CHECKSUM_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatchError';
  }
}
