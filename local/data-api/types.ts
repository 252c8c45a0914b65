// The RDS Data API's JSON wire shapes (REST-JSON, API version 2018-08-01), as the SDK's serializers write
// and read them. They differ from the SDK's own types where the wire differs: `blobValue` is base64 text.

/** A typed value: exactly one member is set. */
export interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  /** A `bigint` beyond 2^53, which a double cannot hold exactly. */
  longValue?: number | bigint;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: ArrayValue;
}

/** An array column value; elements of one kind, possibly null. */
export interface ArrayValue {
  booleanValues?: (boolean | null)[];
  longValues?: (number | bigint | null)[];
  doubleValues?: (number | null)[];
  stringValues?: (string | null)[];
  arrayValues?: ArrayValue[];
}

/** The type hints a `stringValue` parameter may carry. */
export const TYPE_HINTS = ['DECIMAL', 'TIMESTAMP', 'TIME', 'DATE', 'UUID', 'JSON'] as const;

/** One of {@link TYPE_HINTS}. */
export type TypeHint = (typeof TYPE_HINTS)[number];

/** A named parameter of a statement. */
export interface SqlParameter {
  name?: string;
  value?: Field;
  typeHint?: string;
}

/** Fields every statement-running request shares. */
interface StatementRequest {
  resourceArn?: string;
  secretArn?: string;
  sql?: string;
  database?: string;
  schema?: string;
  transactionId?: string;
}

/** Body of `POST /Execute`. */
export interface ExecuteStatementRequest extends StatementRequest {
  parameters?: SqlParameter[];
  includeResultMetadata?: boolean;
  continueAfterTimeout?: boolean;
  resultSetOptions?: { decimalReturnType?: 'STRING' | 'DOUBLE_OR_LONG'; longReturnType?: 'LONG' | 'STRING' };
  formatRecordsAs?: 'NONE' | 'JSON';
}

/** Body of `POST /BatchExecute`. */
export interface BatchExecuteStatementRequest extends StatementRequest {
  parameterSets?: SqlParameter[][];
}

/** Body of `POST /BeginTransaction`. */
export interface BeginTransactionRequest {
  resourceArn?: string;
  secretArn?: string;
  database?: string;
  schema?: string;
}

/** Body of `POST /CommitTransaction` and `POST /RollbackTransaction`. */
export interface EndTransactionRequest {
  resourceArn?: string;
  secretArn?: string;
  transactionId?: string;
}

/** Metadata of one result column, in the JDBC terms the Data API uses. */
export interface ColumnMetadata {
  name: string;
  type: number;
  typeName: string;
  label: string;
  schemaName: string;
  tableName: string;
  isAutoIncrement: boolean;
  isSigned: boolean;
  isCurrency: boolean;
  isCaseSensitive: boolean;
  nullable: number;
  precision: number;
  scale: number;
  arrayBaseColumnType: number;
}

/** Answer of `POST /Execute`. */
export interface ExecuteStatementResponse {
  numberOfRecordsUpdated: number;
  generatedFields: Field[];
  records?: Field[][];
  columnMetadata?: ColumnMetadata[];
  formattedRecords?: string;
}
