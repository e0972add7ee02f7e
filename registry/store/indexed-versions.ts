import type { SqlClient } from './sql-client.ts';
import { indexEntryRows, readRevision, type IndexEntryRow, type IndexSource } from './sql-rows.ts';

/**
 * What the addon and chart stores share: a database, and the versions one index.yaml lists
 * (its state table's revision and its precomputed entries).
 */
export class IndexedVersions {
  constructor(
    readonly db: SqlClient,
    /** This kind's index.yaml source: its state table and the query of its listed versions. */
    readonly index: IndexSource,
  ) {}

  /** A number that changes whenever this kind's index.yaml may have changed. */
  async revision(): Promise<number> {
    return readRevision(this.db, this.index.state);
  }

  /** The precomputed index entries of every listed version, by name then newest first. */
  async indexEntries(): Promise<IndexEntryRow[]> {
    return indexEntryRows(this.db, this.index);
  }
}
