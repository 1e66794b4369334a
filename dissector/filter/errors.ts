/** Filter errors: a message and the part of the filter text it is about. */

export interface FilterError {
  readonly message: string;
  /** 1-based column of the first character concerned. */
  readonly column: number;
  /** Number of characters concerned (at least 1). */
  readonly length: number;
}

/** Thrown inside the compiler only; `compileFilter` turns it into a `FilterError` result. */
export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset in the filter text. */
    readonly offset: number,
    readonly len: number,
  ) {
    super(message);
  }
}

export function fail(message: string, offset: number, length = 1): never {
  throw new FilterSyntaxError(message, offset, Math.max(1, length));
}

/**
 * The filter text and a caret line under the part in error, as tshark shows it:
 * ```
 * imp.foo == 1
 * ^~~~~~~ "imp.foo" is neither a field nor a protocol name.
 * ```
 * Tabs before the column are kept in the caret line so the caret lines up in a terminal.
 */
export function formatFilterError(text: string, error: FilterError): string {
  const start = Math.max(0, Math.min(error.column - 1, text.length));
  const pad = text.slice(0, start).replace(/[^\t]/g, " ");
  const width = Math.max(1, Math.min(error.length, text.length - start || 1));
  return `${text}\n${pad}^${"~".repeat(width - 1)} ${error.message}`;
}
