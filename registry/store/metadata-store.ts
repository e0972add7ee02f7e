import semver from 'semver';
import type { SqlClient, SqlExecutor } from './sql-client.ts';
import type { AddonSummary, DefinitionMatch, DefinitionRecord, Facets, Page, TokenRecord, TokenScope, VersionRecord, VersionSummary } from './records.ts';
import { canonicalVersion } from '../../core/package/versions.ts';
import { hashToken, pepperHash, tokenHashPrefix } from './token-hash.ts';
import { newestVersion, versionBelow } from './version-order.ts';
import { archiveColumns, bumpRevision, SqlConditions, versionColumns, iso, json, updateVersion, type Row } from './sql-rows.ts';
import { IndexedVersions } from './indexed-versions.ts';

function toVersion(r: Row): VersionRecord {
  return {
    ...versionColumns<VersionRecord['metadata']>(r),
    readme: String(r.readme ?? ''),
    manifest: withTexts(r),
    warnings: json(r.warnings),
    derived: json(r.derived),
    deprecated: (r.deprecated as string | null) ?? null,
    yanked: Boolean(r.yanked),
    yankReason: (r.yank_reason as string | null) ?? null,
  };
}

/**
 * The manifest is stored without its metadata and README, which have their own columns: each is
 * kept once (issue 13: a 9 MiB unknown metadata key was stored twice). Rows written before that
 * still carry them, and the columns win either way.
 */
function withTexts(r: Row): VersionRecord['manifest'] {
  return { ...json<VersionRecord['manifest']>(r.manifest), metadata: json(r.metadata), readme: String(r.readme ?? '') };
}

/** The manifest as stored: without the metadata and README kept in their own columns. */
function storedManifest(manifest: VersionRecord['manifest']): string {
  const { metadata: _metadata, readme: _readme, ...rest } = manifest;
  return JSON.stringify(rest);
}

function toSummary(r: Row): VersionSummary {
  return { ...archiveColumns(r), deprecated: (r.deprecated as string | null) ?? null, yanked: Boolean(r.yanked) };
}

function toAddon(r: Row): AddonSummary {
  return { name: String(r.name), description: String(r.description ?? ''), tags: json(r.tags), latest: (r.latest as string | null) ?? null, definitionTypes: json(r.definition_types), updatedAt: iso(r.updated_at) };
}

function toToken(r: Row): TokenRecord {
  return { id: String(r.id), description: String(r.description ?? ''), scope: r.scope as TokenScope, pattern: (r.pattern as string | null) ?? null, createdAt: iso(r.created_at), revokedAt: r.revoked_at ? iso(r.revoked_at) : null };
}

/** A definition's search vector, from SQL expressions of its name, description and parameter names. */
const definitionSearch = (name: string, description: string, parameters: string) =>
  `setweight(to_tsvector('simple', ${name}), 'A') || setweight(to_tsvector('english', ${description}), 'B') || setweight(to_tsvector('simple', ${parameters}), 'C')`;

/** True when two space-separated name lists hold the same names (order aside). */
function sameNames(a: string, b: string): boolean {
  const set = (s: string) => [...new Set(s.split(' ').filter(Boolean))].sort().join(' ');
  return set(a) === set(b);
}

/**
 * A definition's search columns, from the docs derived at publish: its parameter names (space
 * separated, for "which traits take a `domain`?") and their paths (to show which one matched).
 */
function searchColumns(derived: VersionRecord['derived'], def: { type: string; name: string }): { names: string; paths: string } {
  const paths = derived.definitions.find((d) => d.type === def.type && d.name === def.name)?.parameterPaths ?? [];
  return { names: [...new Set(paths.map((p) => p.name))].join(' '), paths: JSON.stringify(paths) };
}

/**
 * Computes a version's derived data from its manifest and the one of the version below it
 * (core/params/derive.ts; passed in, so the store knows no domain logic).
 */
export type Derive = (manifest: VersionRecord['manifest'], previous?: { version: string; manifest: VersionRecord['manifest'] }) => VersionRecord['derived'];

/** A version and its manifest, as an insert guard sees its neighbours. */
export interface Neighbour {
  version: string;
  manifest: VersionRecord['manifest'];
}

/**
 * A check run inside the insert transaction, after the addon row is locked,
 * with the nearest versions below and above in the same major; throwing rolls back.
 */
export type InsertGuard = (neighbours: { previous?: Neighbour; next?: Neighbour }) => void | Promise<void>;

/**
 * Outcome of inserting a version: created, or the version already stored under the same
 * canonical version (its digest, and its version as written, e.g. `v1.0.0` for `1.0.0`).
 */
export type InsertOutcome = { created: true } | { created: false; existingDigest: string; existingVersion: string };

/**
 * The registry's metadata in SQL (PostgreSQL dialect; PGlite or a server).
 * Versions are insert-only: name+version is the primary key, so of concurrent
 * publishes of one version exactly one row wins. Derived data (search vectors,
 * latest version, index entries) is written in the same transaction.
 */
export class MetadataStore extends IndexedVersions {
  /**
   * index.yaml lists every non-yanked version; `catalog_state` revises it. `tokenPepper`: the
   * server-side key of token hashes (see token-hash.ts), never stored in the database.
   */
  constructor(
    db: SqlClient,
    readonly tokenPepper: Uint8Array,
  ) {
    super(db, { state: 'catalog_state', entries: 'SELECT name, version, index_entry FROM versions WHERE NOT yanked' });
  }

  /** The stored form of a token secret (HMAC with this store's pepper). */
  tokenHash(secret: string): string {
    return hashToken(secret, this.tokenPepper);
  }

  /**
   * Re-keys token hashes stored before the pepper (plain SHA-256) as HMACs of that SHA-256, so
   * every existing token keeps working and no unpeppered hash stays behind. Idempotent.
   */
  async migrateTokenHashes(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const legacy = (await tx.query<{ id: string; hash: string }>(`SELECT id, hash FROM tokens WHERE hash NOT LIKE $1`, [`${tokenHashPrefix}%`])).rows;
      for (const row of legacy) await tx.query('UPDATE tokens SET hash = $2 WHERE id = $1', [row.id, pepperHash(row.hash, this.tokenPepper)]);
      return legacy.length;
    });
  }

  /**
   * Recomputes the derived data of every version stored without it or with an older
   * `format` (a store written before it existed, or by an older derivation): from the stored
   * manifest and the one of the version just below. Only the derived columns change (and a
   * definition's search names, when the derivation finds other names). Returns how many
   * versions were updated; idempotent.
   */
  async refreshDerived(derivation: { format: number; derive: Derive }): Promise<number> {
    const stale = (await this.db.query<Row>('SELECT name, version FROM versions WHERE derived_format IS NULL OR derived_format < $1 ORDER BY name, version', [derivation.format])).rows;
    for (const row of stale) {
      const name = String(row.name);
      const version = String(row.version);
      await this.db.transaction(async (tx) => {
        const versions = (await tx.query<Row>('SELECT version FROM versions WHERE name = $1', [name])).rows.map((r) => String(r.version));
        const below = versionBelow(versions, version);
        const manifestOf = async (v: string) => withTexts((await tx.query<Row>('SELECT manifest, metadata, readme FROM versions WHERE name = $1 AND version = $2', [name, v])).rows[0]!);
        const manifest = await manifestOf(version);
        const derived = derivation.derive(manifest, below === undefined ? undefined : { version: below, manifest: await manifestOf(below) });
        await tx.query('UPDATE versions SET derived = $3, derived_format = $4 WHERE name = $1 AND version = $2', [name, version, JSON.stringify(derived), derived.format]);
        const stored = (await tx.query<Row>('SELECT type, name, parameters FROM definitions WHERE addon = $1 AND version = $2', [name, version])).rows;
        for (const d of stored) {
          const params = searchColumns(derived, { type: String(d.type), name: String(d.name) });
          const key = [name, version, d.type, d.name];
          await tx.query('UPDATE definitions SET parameter_paths = $5 WHERE addon = $1 AND version = $2 AND type = $3 AND name = $4', [...key, params.paths]);
          // Names already stored in another order stay as they are: only a derivation that finds
          // other names rewrites them (and the search vector made from them).
          if (!sameNames(String(d.parameters), params.names)) {
            await tx.query(`UPDATE definitions SET parameters = $5, search = ${definitionSearch('name', 'description', '$5')} WHERE addon = $1 AND version = $2 AND type = $3 AND name = $4`, [...key, params.names]);
          }
        }
      });
    }
    return stale.length;
  }

  /**
   * Inserts a version (and its addon row, definitions, search data) atomically. `beforeCommit`
   * runs only when the row was inserted, inside the transaction: publish writes the blob there,
   * so a publish that loses a race writes no blob, and a failed blob write stores no row.
   */
  async insertVersion(v: VersionRecord, guard?: InsertGuard, beforeCommit?: () => Promise<void>): Promise<InsertOutcome> {
    return this.db.transaction(async (tx) => {
      const meta = v.metadata;
      const types = [...new Set(v.manifest.definitions.map((d) => d.type))].sort();
      await tx.query(
        `INSERT INTO addons (name, description, tags, definition_types) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING`,
        [v.name, meta.description ?? '', JSON.stringify(meta.tags ?? []), JSON.stringify(types)],
      );
      // Serializes publishes of one addon (FOR NO KEY UPDATE does not block the versions' foreign-key
      // locks), so the canonical-version check below and the guard see every committed version.
      await tx.query('SELECT 1 FROM addons WHERE name = $1 FOR NO KEY UPDATE', [v.name]);
      const canonical = canonicalVersion(v.version) ?? v.version;
      const twin = (await tx.query<Row>('SELECT version, digest FROM versions WHERE name = $1 AND (canonical = $2 OR version = $3) ORDER BY version = $3 DESC LIMIT 1', [v.name, canonical, v.version])).rows[0];
      if (twin) return { created: false, existingDigest: String(twin.digest), existingVersion: String(twin.version) };
      if (guard) {
        const same = (await tx.query<Row>('SELECT version, manifest, metadata, readme FROM versions WHERE name = $1 AND major = $2', [v.name, semver.major(v.version)])).rows
          .map((r) => ({ version: String(r.version), manifest: withTexts(r) }))
          .filter((r) => semver.valid(r.version) && semver.compare(r.version, v.version) !== 0)
          .sort((a, b) => semver.compare(a.version, b.version));
        await guard({ previous: same.filter((r) => semver.lt(r.version, v.version)).pop(), next: same.find((r) => semver.gt(r.version, v.version)) });
      }
      const inserted = await tx.query(
        `INSERT INTO versions (name, version, canonical, major, digest, size, created_at, metadata, readme, manifest, warnings, index_entry, published_by, derived, derived_format)
         VALUES ($1, $2, $13, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $15) ON CONFLICT (name, version) DO NOTHING`,
        [v.name, v.version, semver.major(v.version), v.digest, v.size, v.createdAt, JSON.stringify(meta), v.readme, storedManifest(v.manifest), JSON.stringify(v.warnings), v.indexEntry, v.publishedBy, canonical, JSON.stringify(v.derived), v.derived.format],
      );
      if (inserted.affectedRows === 0) {
        const existing = await tx.query<{ digest: string }>('SELECT digest FROM versions WHERE name = $1 AND version = $2', [v.name, v.version]);
        return { created: false, existingDigest: existing.rows[0]!.digest, existingVersion: v.version };
      }
      for (const d of v.manifest.definitions) {
        const params = searchColumns(v.derived, d);
        await tx.query(
          `INSERT INTO definitions (addon, version, name, type, description, schema, parameters, parameter_paths, search)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${definitionSearch('$3', '$5', '$7')})`,
          [v.name, v.version, d.name, d.type, d.description, JSON.stringify(d.schema), params.names, params.paths],
        );
      }
      await this.#refreshAddon(tx, v.name);
      await bumpRevision(tx, 'catalog_state');
      await beforeCommit?.();
      return { created: true };
    });
  }

  /**
   * Recomputes an addon's row from its versions: latest = highest non-yanked
   * release (prereleases only when nothing else), description, tags and search
   * text from that version.
   */
  async #refreshAddon(tx: SqlExecutor, name: string): Promise<void> {
    // Serialize refreshes of one addon: otherwise two concurrent publishes each read
    // the versions without the other's and the later commit writes a stale `latest`.
    // NO KEY UPDATE, not UPDATE: the versions' foreign key holds KEY SHARE on this row.
    await tx.query('SELECT 1 FROM addons WHERE name = $1 FOR NO KEY UPDATE', [name]);
    // Only the version list to pick `latest`; the heavy JSON just for the one version picked.
    const rows = (await tx.query<Row>('SELECT version, yanked FROM versions WHERE name = $1', [name])).rows;
    const latest = newestVersion(rows.filter((r) => !r.yanked).map((r) => String(r.version))) ?? null;
    // Every version yanked: the addon row still describes the highest one.
    const chosen = latest ?? rows.map((r) => String(r.version)).sort(semver.rcompare)[0];
    if (!chosen) return;
    const source = (await tx.query<Row>('SELECT metadata, manifest FROM versions WHERE name = $1 AND version = $2', [name, chosen])).rows[0];
    if (!source) return;
    const meta = json<{ description?: string; tags?: string[] }>(source.metadata);
    const manifest = json<{ definitions: Array<{ name: string; type: string; description: string }> }>(source.manifest);
    const types = [...new Set(manifest.definitions.map((d) => d.type))].sort();
    const defText = manifest.definitions.map((d) => `${d.name} ${d.description}`).join(' ');
    await tx.query(
      `UPDATE addons SET latest = $2, description = $3, tags = $4, definition_types = $5, updated_at = now(),
         search = setweight(to_tsvector('simple', $1), 'A') || setweight(to_tsvector('simple', $6), 'A') || setweight(to_tsvector('english', $3), 'B') || setweight(to_tsvector('english', $7), 'C')
       WHERE name = $1`,
      [name, latest, meta.description ?? '', JSON.stringify(meta.tags ?? []), JSON.stringify(types), (meta.tags ?? []).join(' '), defText],
    );
  }

  /**
   * One version with everything, or undefined: by the version as written, else by its canonical
   * form, so `1.9.5`, `v1.9.5` and `1.9.5+build` all find the one stored version.
   */
  async getVersion(name: string, version: string): Promise<VersionRecord | undefined> {
    const canonical = canonicalVersion(version);
    const r = canonical
      ? await this.db.query<Row>('SELECT * FROM versions WHERE name = $1 AND (version = $2 OR canonical = $3) ORDER BY version = $2 DESC, version LIMIT 1', [name, version, canonical])
      : await this.db.query<Row>('SELECT * FROM versions WHERE name = $1 AND version = $2', [name, version]);
    return r.rows[0] ? toVersion(r.rows[0]) : undefined;
  }

  /** All versions of an addon, newest first. */
  async listVersions(name: string): Promise<VersionSummary[]> {
    const r = await this.db.query<Row>('SELECT name, version, digest, size, created_at, deprecated, yanked FROM versions WHERE name = $1', [name]);
    return r.rows.map(toSummary).sort((a, b) => semver.rcompare(a.version, b.version));
  }

  /** The addon row, or undefined. */
  async getAddon(name: string): Promise<AddonSummary | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM addons WHERE name = $1', [name]);
    return r.rows[0] ? toAddon(r.rows[0]) : undefined;
  }

  /** Addons matching a full-text query and/or tag and definition type, best match first. */
  async searchAddons(q: { text?: string; tag?: string; type?: string; limit: number; offset: number }): Promise<Page<AddonSummary>> {
    const where = new SqlConditions('latest IS NOT NULL');
    let rank = 'NULL::real';
    if (q.text) {
      const t = where.param(q.text);
      where.and(`(search @@ websearch_to_tsquery('simple', ${t}) OR search @@ websearch_to_tsquery('english', ${t}) OR name ILIKE '%' || ${t} || '%' OR name IN (SELECT addon FROM definitions WHERE search @@ websearch_to_tsquery('simple', ${t})))`);
      rank = `ts_rank(search, websearch_to_tsquery('simple', ${t})) + CASE WHEN name = ${t} THEN 10 ELSE 0 END`;
    }
    if (q.tag) where.and(`tags @> ${where.param(JSON.stringify([q.tag]))}::jsonb`);
    if (q.type) where.and(`definition_types @> ${where.param(JSON.stringify([q.type]))}::jsonb`);
    const total = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM addons WHERE ${where.sql}`, where.params);
    const rows = await this.db.query<Row>(`SELECT *, ${rank} AS rank FROM addons WHERE ${where.sql} ORDER BY rank DESC NULLS LAST, name LIMIT ${q.limit} OFFSET ${q.offset}`, where.params);
    return { items: rows.rows.map(toAddon), total: Number(total.rows[0]?.n ?? 0), limit: q.limit, offset: q.offset };
  }

  /**
   * Definitions of each addon's latest version, by text, type and parameter
   * name (a parameter anywhere in the nested schema). With `matching`, each hit
   * also lists the paths of its parameters named like one of those words
   * (case-insensitive), read from the same rows.
   */
  async searchDefinitions(q: { text?: string; type?: string; parameter?: string; matching?: string[]; limit: number; offset: number }): Promise<Page<DefinitionMatch>> {
    const where = new SqlConditions('d.version = a.latest');
    let rank = 'NULL::real';
    if (q.text) {
      const t = where.param(q.text);
      where.and(`(d.search @@ websearch_to_tsquery('simple', ${t}) OR d.search @@ websearch_to_tsquery('english', ${t}) OR d.name ILIKE '%' || ${t} || '%')`);
      rank = `ts_rank(d.search, websearch_to_tsquery('simple', ${t}))`;
    }
    if (q.type) where.and(`d.type = ${where.param(q.type)}`);
    if (q.parameter) where.and(`${where.param(q.parameter)} = ANY (string_to_array(d.parameters, ' '))`);
    const base = `FROM definitions d JOIN addons a ON a.name = d.addon WHERE ${where.sql}`;
    const total = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n ${base}`, where.params);
    let matched = '';
    const rowParams = [...where.params];
    if (q.matching) {
      rowParams.push(JSON.stringify(q.matching.map((w) => w.toLowerCase())));
      matched = `, ARRAY(SELECT p.value->>'path' FROM jsonb_array_elements(d.parameter_paths) WITH ORDINALITY AS p(value, i)
        WHERE lower(p.value->>'name') IN (SELECT jsonb_array_elements_text($${rowParams.length}::jsonb)) ORDER BY p.i) AS matched`;
    }
    const rows = await this.db.query<Row>(`SELECT d.addon, d.version, d.name, d.type, d.description, ${rank} AS rank${matched} ${base} ORDER BY rank DESC NULLS LAST, d.name LIMIT ${q.limit} OFFSET ${q.offset}`, rowParams);
    return {
      items: rows.rows.map((r) => {
        const hit: DefinitionMatch = { addon: String(r.addon), version: String(r.version), name: String(r.name), type: String(r.type), description: String(r.description) };
        if (q.matching) hit.parameters = (r.matched as string[]).map(String);
        return hit;
      }),
      total: Number(total.rows[0]?.n ?? 0),
      limit: q.limit,
      offset: q.offset,
    };
  }

  /**
   * How many listed addons (those with a live version) carry each tag and each
   * definition type, in one query.
   */
  async facets(): Promise<Facets> {
    const r = await this.db.query<{ kind: string; value: string; n: number }>(
      `SELECT 'tag' AS kind, t.value, count(*)::int AS n FROM addons, jsonb_array_elements_text(tags) AS t(value) WHERE latest IS NOT NULL GROUP BY t.value
       UNION ALL
       SELECT 'type' AS kind, t.value, count(*)::int AS n FROM addons, jsonb_array_elements_text(definition_types) AS t(value) WHERE latest IS NOT NULL GROUP BY t.value`,
    );
    const of = (kind: string) => new Map(r.rows.filter((row) => row.kind === kind).map((row) => [String(row.value), Number(row.n)]));
    return { tags: of('tag'), types: of('type') };
  }

  /** One definition of one version (by name; type narrows when two types share a name). */
  async getDefinition(addon: string, version: string, name: string, type?: string): Promise<DefinitionRecord | undefined> {
    const r = await this.db.query<Row>(
      `SELECT addon, version, name, type, description, schema FROM definitions WHERE addon = $1 AND version = $2 AND name = $3 ${type ? 'AND type = $4' : ''} ORDER BY type`,
      type ? [addon, version, name, type] : [addon, version, name],
    );
    const row = r.rows[0];
    return row ? { addon: String(row.addon), version: String(row.version), name: String(row.name), type: String(row.type), description: String(row.description), schema: json(row.schema) } : undefined;
  }

  /** Marks a version deprecated (message) or not (null); rewrites its index entry. */
  async setDeprecated(name: string, version: string, message: string | null, indexEntry: string): Promise<boolean> {
    return this.#update(name, version, 'deprecated = $3, index_entry = $4', [message, indexEntry]);
  }

  /** Yanks (or restores) a version: bytes stay, ranges never pick it. */
  async setYanked(name: string, version: string, yanked: boolean, reason: string | null): Promise<boolean> {
    return this.#update(name, version, 'yanked = $3, yank_reason = $4', [yanked, reason]);
  }

  async #update(name: string, version: string, set: string, values: unknown[]): Promise<boolean> {
    return updateVersion(this.db, { state: 'catalog_state', sql: `UPDATE versions SET ${set} WHERE name = $1 AND version = $2`, params: [name, version, ...values], then: (tx) => this.#refreshAddon(tx, name) });
  }

  /** The catalog's revision: a number that changes whenever anything in index.yaml may have changed. */
  async catalogRevision(): Promise<number> {
    return this.revision();
  }

  /** Addon names and versions (for resolvers that want the whole graph). */
  async countVersions(): Promise<number> {
    const r = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM versions');
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Stores a token (hash only). */
  async createToken(t: TokenRecord & { hash: string }): Promise<void> {
    await this.db.query('INSERT INTO tokens (id, hash, description, scope, pattern, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [t.id, t.hash, t.description, t.scope, t.pattern, t.createdAt]);
  }

  /** The token with this hash, or undefined. */
  async findToken(hash: string): Promise<TokenRecord | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return r.rows[0] ? toToken(r.rows[0]) : undefined;
  }

  /** The token with this id, or undefined (a bearer token issued for the OCI API names its token by id). */
  async findTokenById(id: string): Promise<TokenRecord | undefined> {
    const r = await this.db.query<Row>('SELECT * FROM tokens WHERE id = $1', [id]);
    return r.rows[0] ? toToken(r.rows[0]) : undefined;
  }

  /** All tokens (never their secrets). */
  async listTokens(): Promise<TokenRecord[]> {
    return (await this.db.query<Row>('SELECT * FROM tokens ORDER BY created_at')).rows.map(toToken);
  }

  /** Revokes a token; false when no such token. */
  async revokeToken(id: string): Promise<boolean> {
    return (await this.db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id])).affectedRows > 0;
  }

  /**
   * Every archive digest still served (for garbage collection of blobs): each addon version's,
   * and each Helm chart version's that is not deleted.
   */
  async referencedDigests(): Promise<Set<string>> {
    // OCI blobs linked into a repository and manifests are referenced too (a chart pushed over
    // OCI is both a chart version and a manifest whose layer is its archive).
    const rows = await this.db.query<{ digest: string }>('SELECT digest FROM versions UNION SELECT digest FROM chart_versions WHERE deleted_at IS NULL UNION SELECT digest FROM oci_blobs UNION SELECT digest FROM oci_manifests');
    return new Set(rows.rows.map((r) => String(r.digest)));
  }

  /** True when no version has been published yet. */
  async isEmpty(): Promise<boolean> {
    return (await this.countVersions()) === 0;
  }
}
