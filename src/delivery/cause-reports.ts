/**
 * One report per cause: while the same failure keeps happening to the same subject (an
 * endpoint whose secret is missing, a role whose AssumeRole is refused), it is reported once, not
 * once per request; after the subject recovers (`clear`), or fails for another reason, it is
 * reported again. The lines it costs are still counted (admin page) and go to the fallback.
 *
 * Owns that memory only; bounded, since subjects are the configured endpoints and role sessions.
 */
export class CauseReports {
  private readonly current = new Map<string, string>();

  constructor(private readonly write: (line: string) => void) {}

  /** Writes `line` unless `subject` is already reported failing with `cause`. */
  report(subject: string, cause: string, line: string): void {
    if (this.current.get(subject) === cause) return;
    this.current.set(subject, cause);
    this.write(line);
  }

  /** The subject works again: its next failure is reported. */
  clear(subject: string): void {
    this.current.delete(subject);
  }
}
