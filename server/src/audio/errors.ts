/** What is wrong with an uploaded file, as the HTTP edge tells it (400, 413, 415). */
export type AudioProblem = 'malformed' | 'too_large' | 'unsupported';

/** The body is not a WAV file this system accepts. Its message is shown to the uploader. */
export class AudioValidationError extends Error {
  constructor(
    readonly problem: AudioProblem,
    message: string,
  ) {
    super(message);
    this.name = 'AudioValidationError';
  }

  /** The header or sizes are inconsistent (a truncated or corrupt file). */
  static malformed(message: string) {
    return new AudioValidationError('malformed', message);
  }
  /** Longer or bigger than the configured limit. */
  static tooLarge(message: string) {
    return new AudioValidationError('too_large', message);
  }
  /** A well-formed file in a format we do not take (not WAV, not 16 kHz s16le, …). */
  static unsupported(message: string) {
    return new AudioValidationError('unsupported', message);
  }
}
