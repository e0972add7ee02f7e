import type { SqlClient } from './sql-client.ts';
import type { StateTable } from './sql-rows.ts';

/** A one-row state table holding a revision: each kind's index.yaml is rebuilt when it moves. */
function stateTable(table: StateTable): string {
  return `CREATE TABLE ${table} (
  id int PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL
);
INSERT INTO ${table} (id, revision) VALUES (1, 0);`;
}

/**
 * Stamps a state table's changed_at on every revision bump (index.yaml's `generated`, so every
 * replica builds the same bytes) and, with a channel, notifies listeners (their caches drop at
 * once). The function body stays on one line: statements are split at a semicolon ending a line.
 */
function stampRevisions(table: StateTable, fn: string, channel?: string): string {
  const notify = channel ? ` PERFORM pg_notify('${channel}', NEW.revision::text);` : '';
  return `
ALTER TABLE ${table} ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();
CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.changed_at := now();${notify} RETURN NEW; END $$;
CREATE TRIGGER ${table}_changed BEFORE UPDATE OF revision ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}();
`;
}

/**
 * The schema, as numbered migrations applied in order and recorded, so a data
 * dir or database created by an older velahub is upgraded in place.
 */
export const migrations: ReadonlyArray<{ id: number; sql: string }> = [
  {
    id: 1,
    sql: `
CREATE TABLE addons (
  name text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  latest text,
  description text NOT NULL DEFAULT '',
  tags jsonb NOT NULL DEFAULT '[]',
  definition_types jsonb NOT NULL DEFAULT '[]',
  search tsvector
);
CREATE INDEX addons_search ON addons USING gin (search);
CREATE TABLE versions (
  name text NOT NULL REFERENCES addons(name),
  version text NOT NULL,
  major int NOT NULL,
  digest text NOT NULL,
  size int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb NOT NULL,
  readme text NOT NULL DEFAULT '',
  manifest jsonb NOT NULL,
  warnings jsonb NOT NULL DEFAULT '[]',
  index_entry text NOT NULL,
  deprecated text,
  yanked boolean NOT NULL DEFAULT false,
  yank_reason text,
  published_by text,
  PRIMARY KEY (name, version)
);
CREATE TABLE definitions (
  addon text NOT NULL,
  version text NOT NULL,
  name text NOT NULL,
  type text NOT NULL,
  description text NOT NULL DEFAULT '',
  schema jsonb NOT NULL,
  parameters text NOT NULL DEFAULT '',
  search tsvector,
  PRIMARY KEY (addon, version, type, name),
  FOREIGN KEY (addon, version) REFERENCES versions(name, version)
);
CREATE INDEX definitions_search ON definitions USING gin (search);
CREATE TABLE tokens (
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  scope text NOT NULL,
  pattern text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
${stateTable('catalog_state')}
`,
  },
  {
    // Versions are unique by their canonical form (no leading v, no build metadata), checked by
    // insertVersion under the addon's row lock. Not a unique index: a store written before this
    // rule may hold twins (1.0.0 and v1.0.0), and upgrading it must not fail; both stay readable.
    id: 2,
    sql: `
ALTER TABLE versions ADD COLUMN canonical text;
UPDATE versions SET canonical = regexp_replace(regexp_replace(btrim(version), '^v', ''), '\\+.*$', '');
ALTER TABLE versions ALTER COLUMN canonical SET NOT NULL;
CREATE INDEX versions_canonical ON versions (name, canonical);
`,
  },
  {
    // Replicas: every change of the catalog revision stamps its time and notifies listeners.
    id: 3,
    sql: stampRevisions('catalog_state', 'velahub_catalog_changed', 'velahub_catalog'),
  },
  {
    // Data derived at publish (parameter tables, examples, the diff against the version below)
    // so reads only read. Rows of older stores get it at startup (MetadataStore.refreshDerived),
    // as do rows whose derived_format is older than the running derivation. `json`, not `jsonb`:
    // the example Application keeps its key order. parameter_paths: [{name, path}] for search.
    id: 4,
    sql: `
ALTER TABLE versions ADD COLUMN derived json;
ALTER TABLE versions ADD COLUMN derived_format int;
ALTER TABLE definitions ADD COLUMN parameter_paths jsonb NOT NULL DEFAULT '[]';
`,
  },
  {
    // The tables of the Helm chart repository (issue 14): an id of its own so it cannot collide
    // with the addon schema's next steps. Deleted versions stay as tombstones (deleted_at) so a
    // version number is never reused with other bytes. `json`, not `jsonb`: jsonb reorders keys,
    // and the values table must keep values.yaml's order.
    id: 14,
    sql: `
CREATE TABLE chart_versions (
  name text NOT NULL,
  version text NOT NULL,
  digest text NOT NULL,
  size int NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  description text NOT NULL DEFAULT '',
  metadata json NOT NULL,
  manifest json NOT NULL,
  index_entry text NOT NULL,
  published_by text,
  deleted_at timestamptz,
  deleted_by text,
  PRIMARY KEY (name, version)
);
${stateTable('chart_state')}
`,
  },
  {
    // Charts get the addons' guarantees: /helm/index.yaml's `generated` is the stored time of
    // its revision (every replica builds the same bytes and ETag), and the values parameter
    // tables are derived at upload. Rows uploaded before get theirs at startup
    // (ChartStore.refreshDerived). No notification: chart readers read the revision per request.
    id: 15,
    sql: `${stampRevisions('chart_state', 'velahub_chart_changed')}
ALTER TABLE chart_versions ADD COLUMN parameters json;
`,
  },
  {
    // The OCI Distribution API (issue 23): blobs linked into repositories (the bytes live in the
    // blob store by digest), manifests (their bytes too; a chart's manifest names its chart
    // version, so deleting the chart removes it), and tags. A tag names one manifest; a chart's
    // tag is its version and never moves to other content. Uploads in progress and their chunks
    // live here too, so any replica continues an upload another started.
    id: 23,
    sql: `
CREATE TABLE oci_blobs (
  repo text NOT NULL,
  digest text NOT NULL,
  size bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo, digest)
);
CREATE INDEX oci_blobs_digest ON oci_blobs (digest);
CREATE TABLE oci_manifests (
  repo text NOT NULL,
  digest text NOT NULL,
  media_type text NOT NULL,
  size bigint NOT NULL,
  artifact_type text,
  subject text,
  annotations json,
  config text,
  chart_version text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo, digest)
);
CREATE INDEX oci_manifests_subject ON oci_manifests (repo, subject);
CREATE TABLE oci_tags (
  repo text NOT NULL,
  tag text NOT NULL,
  digest text NOT NULL,
  PRIMARY KEY (repo, tag)
);
CREATE TABLE oci_uploads (
  id text PRIMARY KEY,
  repo text NOT NULL,
  size bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE oci_upload_chunks (
  id text NOT NULL REFERENCES oci_uploads(id) ON DELETE CASCADE,
  start bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (id, start)
);
`,
  },
];

/** Applies the migrations not yet recorded, each in its own transaction. */
export async function migrate(db: SqlClient): Promise<void> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const done = new Set((await db.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => Number(r.id)));
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    await db.transaction(async (tx) => {
      // Two servers starting together on one database: the lock makes one wait.
      await tx.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const again = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [m.id]);
      if (again.rows.length > 0) return;
      for (const statement of m.sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
    });
  }
}
