/** The rows a statement returned and how many it changed. */
export interface SqlResult<T> {
  rows: T[];
  affectedRows: number;
}

/** One connection or transaction: parameterized SQL in PostgreSQL's dialect. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlResult<T>>;
}

/**
 * What the metadata store needs from a database: PostgreSQL, embedded (PGlite)
 * or a server (`pg`). Both speak the same dialect, so one store serves both.
 */
export interface SqlClient extends SqlExecutor {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /** `pglite` or `postgresql`, for logs and /readyz. */
  readonly backend: string;
}
