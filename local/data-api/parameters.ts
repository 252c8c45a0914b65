import { databaseError, validationError } from './errors.ts';
import { type Replacement, type RewrittenSql, rewriteSql, scanSql } from './sql.ts';
import { type SqlParameter, TYPE_HINTS, type TypeHint } from './types.ts';

/** A statement ready for PostgreSQL: `:name` rewritten to typed `$n` placeholders, and their values. */
export interface PreparedStatement extends RewrittenSql {
  values: (string | Buffer | null)[];
}

interface BoundValue {
  value: string | Buffer | null;
  /** The PostgreSQL type the value is bound as; none lets PostgreSQL infer it (nulls). */
  type?: string;
}

const TYPE_FOR_HINT: Record<TypeHint, string> = {
  DECIMAL: 'numeric',
  TIMESTAMP: 'timestamp',
  TIME: 'time',
  DATE: 'date',
  UUID: 'uuid',
  JSON: 'json',
};

// The Data API accepts only `YYYY-MM-DD HH:MM:SS[.FFF]` with a TIMESTAMP hint; an ISO 8601 string such as
// `Date.prototype.toISOString()` gives (`T` separator, `Z` suffix) fails the call.
const TIMESTAMP_FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/**
 * Binds parameters the way the Data API does, by rewriting each `:name` to `$n::type`: `stringValue` as
 * `varchar` (so comparing it with a `uuid`, `timestamptz`... column fails unless a `typeHint` says
 * otherwise), `longValue` as `int8`, `doubleValue` as `float8`, `booleanValue` as `bool`, `blobValue` as
 * `bytea`, and `isNull` untyped. Rejects what AWS rejects: several statements, positional `$1` references,
 * array parameters, unknown type hints, TIMESTAMP values not in the Data API's format.
 */
export function prepareStatement(sql: string, parameters: SqlParameter[] = []): PreparedStatement {
  const scanned = scanSql(sql);
  if (scanned.multipleStatements) throw validationError("Multistatements aren't supported.");
  const bound = new Map(
    parameters.map((parameter, index) => [parameter.name, bindParameter(parameter, index)]),
  );
  if (scanned.positional) {
    // AWS hands the text to PostgreSQL with its own bindings, so a `$1` of the caller's binds to nothing.
    const { text, start } = scanned.positional;
    throw databaseError(`ERROR: there is no parameter ${text}; Position: ${start + 1}; SQLState: 42P02`);
  }

  const values: PreparedStatement['values'] = [];
  const numbers = new Map<string, number>();
  const replacements: Replacement[] = [];
  for (const { name, start, end } of scanned.placeholders) {
    const parameter = bound.get(name);
    // An unbound placeholder stays as written; PostgreSQL reports the syntax error at the `:`.
    if (!parameter) continue;
    let number = numbers.get(name);
    if (number === undefined) {
      number = values.push(parameter.value);
      numbers.set(name, number);
    }
    replacements.push({ start, end, text: parameter.type ? `$${number}::${parameter.type}` : `$${number}` });
  }
  return { ...rewriteSql(sql, replacements), values };
}

function bindParameter(parameter: SqlParameter, index: number): BoundValue {
  const { name, value, typeHint } = parameter;
  const where = `parameters.${index + 1}.member`;
  if (!name)
    throw validationError(
      `1 validation error detected: Value null at '${where}.name' failed to satisfy constraint: Member must not be null`,
    );
  if (!value)
    throw validationError(
      `1 validation error detected: Value null at '${where}.value' failed to satisfy constraint: Member must not be null`,
    );
  if (typeHint !== undefined && !isTypeHint(typeHint)) {
    throw validationError(
      `1 validation error detected: Value '${typeHint}' at '${where}.typeHint' failed to satisfy constraint: ` +
        `Member must satisfy enum value set: [${TYPE_HINTS.join(', ')}]`,
    );
  }
  const hinted = typeHint === undefined ? undefined : TYPE_FOR_HINT[typeHint];

  if (value.isNull !== undefined) return { value: null, type: hinted };
  if (value.booleanValue !== undefined) return { value: String(value.booleanValue), type: 'bool' };
  if (value.longValue !== undefined) return { value: String(value.longValue), type: 'int8' };
  if (value.doubleValue !== undefined) return { value: String(value.doubleValue), type: 'float8' };
  if (value.blobValue !== undefined) return { value: Buffer.from(value.blobValue, 'base64'), type: 'bytea' };
  if (value.stringValue !== undefined) {
    if (typeHint === 'TIMESTAMP' && !TIMESTAMP_FORMAT.test(value.stringValue)) {
      throw databaseError('Parse Error for TimeStamp: input contains invalid characters');
    }
    return { value: value.stringValue, type: hinted ?? 'varchar' };
  }
  if (value.arrayValue !== undefined) throw validationError('Array parameters are not supported.');
  throw validationError(
    `1 validation error detected: Value at '${where}.value' must have exactly one member set`,
  );
}

function isTypeHint(hint: string): hint is TypeHint {
  return (TYPE_HINTS as readonly string[]).includes(hint);
}
