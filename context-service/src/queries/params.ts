/**
 * Collects bound parameters while a query's fixed SQL fragments are chosen:
 * `p(value)` returns the placeholder ("$3") and keeps the value. Request data
 * only ever travels as parameters; the SQL text is assembled from constants.
 */
export class Params {
  readonly values: unknown[] = [];

  p(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
