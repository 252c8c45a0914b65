import type { FieldDef, QueryResult } from 'pg';
import { exactInteger, stringifyExactJson } from '../exact-json.ts';
import { unsupportedResult } from './errors.ts';
import type {
  ArrayValue,
  ColumnMetadata,
  ExecuteStatementRequest,
  ExecuteStatementResponse,
  Field,
} from './types.ts';

/** A query result with every value as PostgreSQL's text output (`null` for NULL). */
export type RawResult = QueryResult<(string | null)[]>;

/** Runs a catalog query on the connection that produced the result. */
export type CatalogQuery = (text: string, values: unknown[]) => Promise<(string | null)[][]>;

/** What the caller asked for in `ExecuteStatement`. */
export type ResultOptions = Pick<
  ExecuteStatementRequest,
  'includeResultMetadata' | 'formatRecordsAs' | 'resultSetOptions'
>;

type Kind = 'boolean' | 'long' | 'double' | 'decimal' | 'string' | 'timestamptz' | 'blob' | 'array';

interface PgType {
  name: string;
  kind: Kind;
  /** `java.sql.Types` code, which `columnMetadata.type` reports. */
  jdbc: number;
  element?: PgType;
}

const JDBC = {
  BIT: -7,
  BIGINT: -5,
  BINARY: -2,
  CHAR: 1,
  NUMERIC: 2,
  INTEGER: 4,
  SMALLINT: 5,
  REAL: 7,
  DOUBLE: 8,
  VARCHAR: 12,
  DATE: 91,
  TIME: 92,
  TIMESTAMP: 93,
  OTHER: 1111,
  ARRAY: 2003,
};

// Keyed by PostgreSQL type OID. Types not listed (enums, domains, ranges...) come back as their text.
const SCALARS: Record<number, PgType> = {
  16: { name: 'bool', kind: 'boolean', jdbc: JDBC.BIT },
  17: { name: 'bytea', kind: 'blob', jdbc: JDBC.BINARY },
  19: { name: 'name', kind: 'string', jdbc: JDBC.VARCHAR },
  20: { name: 'int8', kind: 'long', jdbc: JDBC.BIGINT },
  21: { name: 'int2', kind: 'long', jdbc: JDBC.SMALLINT },
  23: { name: 'int4', kind: 'long', jdbc: JDBC.INTEGER },
  25: { name: 'text', kind: 'string', jdbc: JDBC.VARCHAR },
  26: { name: 'oid', kind: 'long', jdbc: JDBC.BIGINT },
  114: { name: 'json', kind: 'string', jdbc: JDBC.OTHER },
  650: { name: 'cidr', kind: 'string', jdbc: JDBC.OTHER },
  700: { name: 'float4', kind: 'double', jdbc: JDBC.REAL },
  701: { name: 'float8', kind: 'double', jdbc: JDBC.DOUBLE },
  869: { name: 'inet', kind: 'string', jdbc: JDBC.OTHER },
  1042: { name: 'bpchar', kind: 'string', jdbc: JDBC.CHAR },
  1043: { name: 'varchar', kind: 'string', jdbc: JDBC.VARCHAR },
  1082: { name: 'date', kind: 'string', jdbc: JDBC.DATE },
  1083: { name: 'time', kind: 'string', jdbc: JDBC.TIME },
  1114: { name: 'timestamp', kind: 'string', jdbc: JDBC.TIMESTAMP },
  1184: { name: 'timestamptz', kind: 'timestamptz', jdbc: JDBC.TIMESTAMP },
  1186: { name: 'interval', kind: 'string', jdbc: JDBC.OTHER },
  1266: { name: 'timetz', kind: 'string', jdbc: JDBC.TIME },
  1700: { name: 'numeric', kind: 'decimal', jdbc: JDBC.NUMERIC },
  2950: { name: 'uuid', kind: 'string', jdbc: JDBC.OTHER },
  3802: { name: 'jsonb', kind: 'string', jdbc: JDBC.OTHER },
};

/** Array type OID → element type OID, for the element types the Data API supports. */
const ARRAYS: Record<number, number> = {
  1000: 16,
  1005: 21,
  1007: 23,
  1016: 20,
  1021: 700,
  1022: 701,
  1231: 1700,
  1009: 25,
  1014: 1042,
  1015: 1043,
  199: 114,
  3807: 3802,
  1182: 1082,
  1183: 1083,
  1115: 1114,
  1185: 1184,
  2951: 2950,
};

// Aurora Serverless v2's Data API refuses to return these (monetary, geometric, internal "char", reg*);
// callers cast them to text.
const UNSUPPORTED: Record<number, string> = {
  18: '"CHAR"',
  790: 'money',
  600: 'point',
  601: 'lseg',
  602: 'path',
  603: 'box',
  604: 'polygon',
  628: 'line',
  718: 'circle',
  24: 'regproc',
  2202: 'regprocedure',
  2203: 'regoper',
  2204: 'regoperator',
  2205: 'regclass',
  2206: 'regtype',
  4089: 'regnamespace',
  4096: 'regrole',
};

function typeOf(oid: number): PgType | undefined {
  const element = ARRAYS[oid];
  if (element === undefined) return SCALARS[oid];
  const elementType = SCALARS[element];
  return (
    elementType && { name: `_${elementType.name}`, kind: 'array', jdbc: JDBC.ARRAY, element: elementType }
  );
}

/**
 * Shapes a PostgreSQL result as `ExecuteStatement` answers it: `records` of typed fields (or a
 * `formattedRecords` JSON string instead), `columnMetadata` on request, `numberOfRecordsUpdated` for
 * statements without a result set, and `generatedFields` always empty (PostgreSQL has none; use RETURNING).
 */
export async function shapeResult(
  result: RawResult,
  options: ResultOptions,
  catalog: CatalogQuery,
): Promise<ExecuteStatementResponse> {
  const hasResultSet = result.fields.length > 0;
  const response: ExecuteStatementResponse = {
    numberOfRecordsUpdated: hasResultSet ? 0 : (result.rowCount ?? 0),
    generatedFields: [],
  };
  if (!hasResultSet) return response;

  for (const { dataTypeID } of result.fields) {
    const unsupported = UNSUPPORTED[dataTypeID];
    if (unsupported) throw unsupportedResult(`The result contains the unsupported data type ${unsupported}.`);
  }
  const types = result.fields.map(({ dataTypeID }) => typeOf(dataTypeID));
  const records = result.rows.map((row) =>
    row.map((text, column) => toField(text, types[column], options.resultSetOptions)),
  );

  if (options.formatRecordsAs === 'JSON') {
    const objects = records.map((fields) =>
      Object.fromEntries(fields.map((field, column) => [result.fields[column]?.name, jsonValue(field)])),
    );
    response.formattedRecords = stringifyExactJson(objects) ?? '[]';
    return response;
  }
  response.records = records;
  if (options.includeResultMetadata) response.columnMetadata = await describeColumns(result.fields, catalog);
  return response;
}

function toField(
  text: string | null,
  type: PgType | undefined,
  options: ResultOptions['resultSetOptions'],
): Field {
  if (text === null) return { isNull: true };
  switch (type?.kind) {
    case 'boolean':
      return { booleanValue: text === 't' };
    case 'long':
      return options?.longReturnType === 'STRING' ? { stringValue: text } : { longValue: exactInteger(text) };
    case 'double':
      return finiteDouble(text);
    case 'decimal':
      if (options?.decimalReturnType !== 'DOUBLE_OR_LONG') return { stringValue: text };
      return /^-?\d+$/.test(text) ? { longValue: exactInteger(text) } : finiteDouble(text);
    case 'timestamptz':
      return { stringValue: timestamptzInUtc(text) };
    case 'blob':
      return { blobValue: Buffer.from(text.slice(2), 'hex').toString('base64') };
    case 'array':
      return { arrayValue: toArrayValue(parseArray(text), type.element) };
    default:
      return { stringValue: text };
  }
}

// JSON has no NaN or Infinity, so those stay text rather than corrupt the union.
function finiteDouble(text: string): Field {
  const value = Number(text);
  return Number.isFinite(value) ? { doubleValue: value } : { stringValue: text };
}

function toArrayValue(items: (string | null)[], element: PgType | undefined): ArrayValue {
  const each = <T>(convert: (text: string) => T) =>
    items.map((item) => (item === null ? null : convert(item)));
  switch (element?.kind) {
    case 'boolean':
      return { booleanValues: each((item) => item === 't') };
    case 'long':
      return { longValues: each(exactInteger) };
    case 'double':
      return { doubleValues: each(Number) };
    case 'timestamptz':
      return { stringValues: each(timestamptzInUtc) };
    default:
      return { stringValues: each((item) => item) };
  }
}

/** Parses PostgreSQL's one-dimensional array output, e.g. `{1,NULL,"a \"b\""}`. */
function parseArray(text: string): (string | null)[] {
  // Arrays with non-default bounds print them first: `[0:1]={1,2}`.
  const body = text.startsWith('[') ? text.slice(text.indexOf('=') + 1) : text;
  if (body.startsWith('{{')) throw unsupportedResult('The result contains a multidimensional array.');
  const items: (string | null)[] = [];
  if (body === '{}') return items;
  let i = 1;
  while (i < body.length) {
    if (body.charAt(i) === '"') {
      let item = '';
      i++;
      while (i < body.length && body.charAt(i) !== '"') {
        if (body.charAt(i) === '\\') i++;
        item += body.charAt(i);
        i++;
      }
      items.push(item);
      i++;
    } else {
      let end = i;
      while (end < body.length && body.charAt(end) !== ',' && body.charAt(end) !== '}') end++;
      const item = body.slice(i, end);
      items.push(item === 'NULL' ? null : item);
      i = end;
    }
    i++;
  }
  return items;
}

const TIMESTAMPTZ =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

/**
 * The Data API returns `timestamptz` in UTC without an offset, e.g. `2021-03-10 20:41:04.123456`, whatever
 * the session time zone; fractional seconds keep PostgreSQL's precision without trailing zeros.
 */
function timestamptzInUtc(text: string): string {
  const match = TIMESTAMPTZ.exec(text);
  // infinity, -infinity and BC dates stay as PostgreSQL prints them.
  if (!match) return text;
  const [
    ,
    year,
    month,
    day,
    hours,
    minutes,
    seconds,
    fraction = '',
    sign,
    offsetHours,
    offsetMinutes,
    offsetSeconds,
  ] = match;
  const offset =
    (sign === '-' ? -1 : 1) *
    (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0));
  const utc = new Date(0);
  utc.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  utc.setUTCHours(Number(hours), Number(minutes), Number(seconds) - offset);
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${String(utc.getUTCFullYear()).padStart(4, '0')}-${two(utc.getUTCMonth() + 1)}-${two(utc.getUTCDate())} ` +
    `${two(utc.getUTCHours())}:${two(utc.getUTCMinutes())}:${two(utc.getUTCSeconds())}${fraction}`
  );
}

/** A field as it appears in `formattedRecords`: plain JSON values, base64 for binary, arrays as arrays. */
function jsonValue(field: Field): unknown {
  if (field.isNull) return null;
  if (field.arrayValue) {
    const { booleanValues, longValues, doubleValues, stringValues } = field.arrayValue;
    return booleanValues ?? longValues ?? doubleValues ?? stringValues ?? [];
  }
  return field.booleanValue ?? field.longValue ?? field.doubleValue ?? field.stringValue ?? field.blobValue;
}

/**
 * Column metadata in the JDBC terms the Data API reports, with table, nullability and auto-increment read
 * from the catalog. Precision and scale follow the PostgreSQL JDBC driver for common types only.
 */
async function describeColumns(fields: FieldDef[], catalog: CatalogQuery): Promise<ColumnMetadata[]> {
  const columnRows = await catalog(
    `SELECT a.attrelid::int8, a.attnum, n.nspname, c.relname, a.attnotnull,
            a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%'
       FROM unnest($1::oid[], $2::int2[]) AS wanted (relid, attnum)
       JOIN pg_attribute a ON a.attrelid = wanted.relid AND a.attnum = wanted.attnum
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum`,
    [fields.map((field) => field.tableID), fields.map((field) => field.columnID)],
  );
  const columns = new Map(
    columnRows.map(([relid, attnum, schema, table, notNull, auto]) => [
      `${relid}:${attnum}`,
      { schema: schema ?? '', table: table ?? '', notNull: notNull === 't', auto: auto === 't' },
    ]),
  );
  const typeRows = await catalog('SELECT oid::int8, typname FROM pg_type WHERE oid = ANY($1::oid[])', [
    fields.map((field) => field.dataTypeID),
  ]);
  const typeNames = new Map(typeRows.map(([oid, name]) => [Number(oid), name ?? '']));

  return fields.map((field) => {
    const type = typeOf(field.dataTypeID);
    const column = columns.get(`${field.tableID}:${field.columnID}`);
    const numeric = type?.kind === 'long' || type?.kind === 'double' || type?.kind === 'decimal';
    const [precision, scale] = precisionAndScale(field.dataTypeID, field.dataTypeModifier);
    const typeName = typeNames.get(field.dataTypeID) ?? type?.name ?? '';
    return {
      name: field.name,
      label: field.name,
      type: type?.jdbc ?? JDBC.OTHER,
      // The JDBC driver names auto-increment integer columns after their pseudo-type.
      typeName: (column?.auto && SERIALS[typeName]) || typeName,
      schemaName: column?.schema ?? '',
      tableName: column?.table ?? '',
      isAutoIncrement: column?.auto ?? false,
      isSigned: numeric,
      isCurrency: false,
      isCaseSensitive: !numeric && type?.kind !== 'boolean',
      // java.sql.ResultSetMetaData: 0 columnNoNulls, 1 columnNullable, 2 columnNullableUnknown.
      nullable: column ? (column.notNull ? 0 : 1) : 2,
      precision,
      scale,
      arrayBaseColumnType: type?.element?.jdbc ?? 0,
    };
  });
}

const SERIALS: Record<string, string> = { int2: 'smallserial', int4: 'serial', int8: 'bigserial' };

function precisionAndScale(oid: number, modifier: number): [number, number] {
  switch (oid) {
    case 16:
      return [1, 0];
    case 21:
      return [5, 0];
    case 23:
      return [10, 0];
    case 20:
      return [19, 0];
    case 700:
      return [8, 8];
    case 701:
      return [17, 17];
    case 1700:
      return modifier >= 4 ? [((modifier - 4) >> 16) & 0xffff, (modifier - 4) & 0xffff] : [0, 0];
    case 1042:
    case 1043:
      return modifier >= 4 ? [modifier - 4, 0] : [2147483647, 0];
    default:
      return [2147483647, 0];
  }
}
