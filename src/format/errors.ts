/** A format (or condition) that does not parse: where, what was found, what was expected. */
export class FormatError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly caret: string,
  ) {
    super(`${reason} at line ${line}, column ${column}\n${caret}`);
    this.name = 'FormatError';
  }
}
