/**
 * The Data API returns PostgreSQL timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, without a zone.
 */
export function fromSqlTimestamp(value: string): Date {
  return new Date(`${value.replace(' ', 'T')}Z`);
}

/** Nullable timestamps: null stays null. */
export function fromSqlTimestampOrNull(value: string | null): Date | null {
  return value === null ? null : fromSqlTimestamp(value);
}
