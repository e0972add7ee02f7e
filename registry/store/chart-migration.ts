/**
 * The tables of the Helm chart repository (issue 14), applied as migration 14:
 * an id of its own so it cannot collide with the addon schema's next steps.
 * Deleted versions stay as tombstones (deleted_at) so a version number is never
 * reused with other bytes. `json`, not `jsonb`: jsonb reorders keys, and the
 * values table must keep values.yaml's order.
 */
export const chartMigration = {
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
CREATE TABLE chart_state (
  id int PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL
);
INSERT INTO chart_state (id, revision) VALUES (1, 0);
`,
};
