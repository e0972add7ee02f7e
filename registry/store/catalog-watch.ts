import pg from 'pg';
import type { SqlClient } from './sql-client.ts';
import { readRevision } from './sql-rows.ts';

/** The channel migration 2's trigger notifies with the new revision on every catalog change. */
export const catalogChannel = 'velahub_catalog';

/** What a watch needs: the database, and its URL when it is a server (to LISTEN on a connection of its own). */
export interface CatalogWatchOptions {
  db: SqlClient;
  databaseUrl?: string;
  /**
   * How often the revision is read anyway (ms): the safety net for a notification lost while the
   * listening connection was down. Default 5000.
   */
  pollMs?: number;
  /** Told when the listening connection fails (it reconnects by itself). */
  onError?: (err: Error) => void;
}

/**
 * The catalog revision as this process knows it, kept current without a query per request:
 * PostgreSQL LISTEN/NOTIFY pushes every change made by any replica (the trigger fires at commit),
 * a slow poll covers notifications lost while reconnecting, and `check()` reads it now (after a
 * local write, before answering). Caches key on `revision` and drop their contents on `onChange`.
 */
export class CatalogWatch {
  #revision: number;
  #listeners = new Set<(revision: number) => void>();
  #closed = false;
  #client?: pg.Client;
  #timer?: NodeJS.Timeout;
  #reconnect?: NodeJS.Timeout;

  private constructor(
    readonly db: SqlClient,
    revision: number,
  ) {
    this.#revision = revision;
  }

  /** Reads the current revision, starts listening (PostgreSQL) and polling. */
  static async open(options: CatalogWatchOptions): Promise<CatalogWatch> {
    const watch = new CatalogWatch(options.db, await readRevision(options.db, 'catalog_state'));
    if (options.databaseUrl) await watch.#listen(options.databaseUrl, options.onError);
    watch.#timer = setInterval(() => void watch.check().catch((err: Error) => options.onError?.(err)), options.pollMs ?? 5000);
    watch.#timer.unref();
    return watch;
  }

  /** The last revision seen. */
  get revision(): number {
    return this.#revision;
  }

  /** Calls `fn` with each new revision; returns what unsubscribes. */
  onChange(fn: (revision: number) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Reads the revision from the database now (after a local write, or a lost notification). */
  async check(): Promise<number> {
    this.#advance(await readRevision(this.db, 'catalog_state'));
    return this.#revision;
  }

  /** Tells the watch of a revision read elsewhere (a snapshot), so it never moves backwards. */
  observe(revision: number): void {
    this.#advance(revision);
  }

  #advance(revision: number): void {
    // Revisions only grow; a late notification or a slow poll must not move a cache back.
    if (revision <= this.#revision) return;
    this.#revision = revision;
    for (const fn of this.#listeners) fn(revision);
  }

  async #listen(url: string, onError?: (err: Error) => void): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    // pg emits connection errors as events: without a listener they would crash the process.
    client.on('error', () => undefined);
    client.on('notification', (n) => {
      if (n.channel === catalogChannel && n.payload) this.#advance(Number(n.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${catalogChannel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.#client = client;
    const lost = (err: Error): void => {
      if (this.#closed || this.#client !== client) return;
      this.#client = undefined;
      onError?.(err);
      client.end().catch(() => undefined);
      this.#reconnectLater(url, onError);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the LISTEN connection to PostgreSQL closed')));
  }

  /** Reconnects in a second, then reads the revision (notifications sent meanwhile were lost); retries until closed. */
  #reconnectLater(url: string, onError?: (err: Error) => void): void {
    if (this.#closed) return;
    this.#reconnect = setTimeout(() => {
      this.#listen(url, onError)
        .then(() => this.check())
        .catch((err: Error) => {
          onError?.(err);
          this.#reconnectLater(url, onError);
        });
    }, 1000);
    this.#reconnect.unref();
  }

  /** Stops listening and polling. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
