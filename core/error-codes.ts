/**
 * The error catalogue: every code velahub throws, with its CLI exit status, its
 * HTTP status, what it means and what the user can do. The CLI reporter, the
 * HTTP error handler and the README's table all read this one table.
 */

/** Exit codes: what a script can rely on (each is explained in {@link exitMeanings}). */
export const exitCodes = {
  ok: 0,
  invalid: 1,
  usage: 2,
  notFound: 3,
  remote: 4,
  internal: 70,
} as const;

/** What each exit code means, as the README's table says it. */
export const exitMeanings = {
  ok: 'ok',
  invalid: 'the input was refused: lint errors, invalid parameters, a refused package',
  usage: 'wrong flags or arguments',
  notFound: 'something named does not exist (file, addon, version)',
  remote: 'a registry or cluster could not be reached or refused the request (401/403/409, API errors)',
  internal: 'a bug in velahub, shown with its stack',
} as const satisfies Record<keyof typeof exitCodes, string>;

/** The exit classes a VelahubError can end the CLI with (`ok` and `internal` are not errors' to pick). */
export type ExitClass = 'invalid' | 'usage' | 'notFound' | 'remote';

/** One catalogue entry. */
export interface ErrorCodeInfo {
  /** The CLI's exit class, a key of {@link exitCodes}. */
  exit: ExitClass;
  /** The HTTP status the registry answers with. */
  http: number;
  /** What the code means, one line. */
  summary: string;
  /** What the user can do, shown when the throw brings no hint of its own. */
  hint: string;
}

/** Every code velahub throws, sorted by name. */
export const errorCodes = {
  EABORTED: {
    exit: 'invalid',
    http: 500,
    summary: 'a CUE evaluation was cancelled before it finished',
    hint: 'run the command again; it was stopped by a cancel or a shutdown, not by the input',
  },
  EBAD_ARCHIVE: {
    exit: 'invalid',
    http: 400,
    summary: 'the archive is not a valid gzip tar, or holds entries tar readers disagree on',
    hint: 'create packages with `velahub package` (or `helm package` for charts) instead of by hand',
  },
  EBAD_DEFINITION: {
    exit: 'invalid',
    http: 400,
    summary: 'a Definition CR (YAML) is malformed or lacks a field KubeVela needs',
    hint: 'compare it with `velahub convert DEFINITION.cue`, which writes a valid Definition CR',
  },
  EBAD_DIGEST: {
    exit: 'invalid',
    http: 400,
    summary: 'a digest is not of the form `sha256:<64 hex>`',
    hint: 'pass the digest as the registry lists it: sha256: and 64 hex digits',
  },
  EBAD_LAYOUT: {
    exit: 'invalid',
    http: 400,
    summary: 'the archive does not hold exactly one top folder named like the addon',
    hint: 'pack the addon folder itself: `velahub package FOLDER`',
  },
  EBAD_REQUEST: {
    exit: 'invalid',
    http: 400,
    summary: 'an HTTP request body, query or header is malformed',
    hint: 'send the request as the message describes; the README documents the HTTP API',
  },
  EBAD_SET: {
    exit: 'usage',
    http: 400,
    summary: 'a `--set` expression is not `key=value` with a valid key',
    hint: 'write --set key=value, e.g. --set route[0].domain=example.com',
  },
  EBAD_TERRAFORM: {
    exit: 'invalid',
    http: 400,
    summary: 'a Terraform configuration does not parse',
    hint: 'check it with `terraform validate`; velahub reads its variables only',
  },
  EBAD_VERSION: {
    exit: 'usage',
    http: 400,
    summary: 'a `--version` is not a semantic version',
    hint: 'pass a semantic version, e.g. --version 1.0.0',
  },
  EBLOB_CORRUPT: {
    exit: 'invalid',
    http: 500,
    summary: 'an archive in the blob store does not match its digest',
    hint: 'restore the object from a backup, or delete and republish that version',
  },
  EBLOB_STORE: {
    exit: 'remote',
    http: 500,
    summary: 'the S3 blob store could not be reached, refused the credentials or lacks the bucket',
    hint: 'check --blob-store (bucket, endpoint=, region=) and the AWS_* credentials',
  },
  EBREAKING_CHANGE: {
    exit: 'invalid',
    http: 422,
    summary: 'a new version breaks its parameters within the same major version',
    hint: 'publish it as the next major version, or keep the parameters compatible',
  },
  ECLUSTER: {
    exit: 'remote',
    http: 500,
    summary: 'a Kubernetes API server could not be reached or refused a request',
    hint: 'check the context and your rights on it, e.g. `kubectl --context CONTEXT auth can-i --list`',
  },
  ECONFLICT: {
    exit: 'remote',
    http: 409,
    summary: 'the version is already published (or deleted) with other content: versions are immutable',
    hint: 'bump the version and publish again',
  },
  ECUE: {
    exit: 'invalid',
    http: 422,
    summary: 'CUE refused a definition or template',
    hint: 'fix the CUE at the file and line shown; `velahub lint` lists every problem',
  },
  ECUE_BUDGET: {
    exit: 'invalid',
    http: 422,
    summary: "evaluating a package's CUE took longer than its total budget",
    hint: 'simplify the slowest definitions (lint each one alone to find them)',
  },
  ECUE_BUSY: {
    exit: 'invalid',
    http: 429,
    summary: 'the CUE evaluator is busy: too many evaluations are waiting',
    hint: 'retry in a few seconds',
  },
  ECUE_CLOSED: {
    exit: 'invalid',
    http: 500,
    summary: 'the CUE evaluator was shut down while work was pending',
    hint: 'run the command again; the process was stopping',
  },
  ECUE_CRASH: {
    exit: 'invalid',
    http: 500,
    summary: 'the CUE evaluator crashed',
    hint: 'run it again; if it repeats, report it with the input that triggers it',
  },
  ECUE_ENGINE_MISSING: {
    exit: 'invalid',
    http: 500,
    summary: 'the CUE engine (WebAssembly, or native where forced) for a KubeVela line is not built',
    hint: 'run `npm run build:cue` (npm install does it; it needs Go)',
  },
  ECUE_TIMEOUT: {
    exit: 'invalid',
    http: 422,
    summary: 'one CUE evaluation took too long and was stopped',
    hint: 'simplify the template or its parameters',
  },
  ECYCLE: {
    exit: 'invalid',
    http: 422,
    summary: 'the addons depend on each other in a cycle',
    hint: 'remove one dependency of the cycle: addons cannot wait for each other in a circle',
  },
  EDEFINITION_CONFLICT: {
    exit: 'invalid',
    http: 409,
    summary: 'enabling the addon would take over definitions another owner installed',
    hint: 'pass --override-definitions to take them over',
  },
  EDEFINITION_NOT_FOUND: {
    exit: 'notFound',
    http: 404,
    summary: 'the addon has no definition of that name',
    hint: 'use one of the definitions the message lists',
  },
  EDIGEST: {
    exit: 'remote',
    http: 500,
    summary: 'a downloaded archive does not match the digest its registry lists',
    hint: 'the registry served other bytes than it indexed: report it to the registry owner',
  },
  EEXIST: {
    exit: 'invalid',
    http: 409,
    summary: 'the file or folder to create already exists',
    hint: 'choose another name, or remove the existing one',
  },
  EFILE_TOO_LARGE: {
    exit: 'invalid',
    http: 400,
    summary: 'a file in the package is larger than the per-file limit',
    hint: 'move large content out of the package (link to it instead)',
  },
  EFORBIDDEN: {
    exit: 'remote',
    http: 403,
    summary: 'the token is valid but may not do this (scope or name pattern)',
    hint: 'use a token whose scope and pattern cover it: `velahub token create --scope publish --pattern NAME`',
  },
  EINTERNAL: {
    exit: 'invalid',
    http: 500,
    summary: 'the registry failed with an internal error',
    hint: "retry; if it repeats, report it with the server's log",
  },
  EINVALID: {
    exit: 'invalid',
    http: 422,
    summary: 'the input was refused: an invalid package, file or document',
    hint: 'run `velahub lint` on it to see every problem with its file and line',
  },
  EINVALID_PARAMETERS: {
    exit: 'invalid',
    http: 422,
    summary: "the parameters do not match the definition's parameter schema",
    hint: 'fix the parameters named in problems; `velahub show` lists what each takes',
  },
  EIN_USE: {
    exit: 'invalid',
    http: 409,
    summary: 'the addon is still needed by another addon or an Application',
    hint: 'disable those first, or pass --force',
  },
  ELOCK_DIGEST: {
    exit: 'invalid',
    http: 422,
    summary: 'an addon in the plan has no known digest, so it cannot be locked',
    hint: 'install that addon from a registry, then lock again',
  },
  ELOCK_DIVERGES: {
    exit: 'invalid',
    http: 422,
    summary: 'the clusters resolve one addon to different versions, which one lock cannot hold',
    hint: 'plan and lock each cluster separately',
  },
  ENAME_COLLISION: {
    exit: 'invalid',
    http: 400,
    summary: 'two entries in the package collide (same name, or a file and a folder)',
    hint: 'rename one of the two',
  },
  ENOENT: {
    exit: 'notFound',
    http: 404,
    summary: 'a file or folder named on the command line does not exist',
    hint: 'check the path (relative paths start at the current folder)',
  },
  ENOTDIR: {
    exit: 'notFound',
    http: 400,
    summary: 'a path that must be a folder is not one',
    hint: 'pass an addon folder, a .cue/.yaml definition or a .tgz',
  },
  ENOT_FOUND: {
    exit: 'notFound',
    http: 404,
    summary: 'the addon, version, chart, token or route does not exist',
    hint: 'check the name and version: `velahub search` and `velahub info NAME` list what exists',
  },
  EPACKAGE_TOO_LARGE: {
    exit: 'invalid',
    http: 413,
    summary: 'the package or request body is larger than the limit',
    hint: 'keep large files out of the package; link to them instead',
  },
  EPUBLISH_BUSY: {
    exit: 'remote',
    http: 429,
    summary: 'the token already has as many publishes in progress and waiting as the registry allows',
    hint: 'wait for them to be answered, then publish again',
  },
  EREGISTRY: {
    exit: 'remote',
    http: 500,
    summary: 'a registry answered with an HTTP error',
    hint: 'check the registry URL and that it is healthy (GET /healthz)',
  },
  ERENDER: {
    exit: 'invalid',
    http: 422,
    summary: "an addon's template.cue or NOTES.cue renders to something KubeVela cannot use",
    hint: 'fix the file named in the message: template.cue needs an "output", NOTES.cue a string "notes"',
  },
  ERESOLVE: {
    exit: 'invalid',
    http: 422,
    summary: 'no set of versions satisfies the requested addons, their dependencies and the cluster',
    hint: 'relax the version ranges named in the conflicts, or upgrade the cluster',
  },
  ERESOLVE_TOO_COMPLEX: {
    exit: 'invalid',
    http: 422,
    summary: 'dependency resolution gave up after too many steps',
    hint: 'narrow the requested version ranges',
  },
  ETERRAFORM: {
    exit: 'invalid',
    http: 422,
    summary: 'a Terraform definition has no CUE template to evaluate',
    hint: 'Terraform definitions are applied as they are; nothing can be rendered from them',
  },
  ETIMEOUT: {
    exit: 'remote',
    http: 500,
    summary: 'the addon did not become ready on the cluster in time',
    hint: 'check it with `vela status addon-NAME -n vela-system`',
  },
  ETOO_MANY_FILES: {
    exit: 'invalid',
    http: 400,
    summary: 'the package holds more files than allowed',
    hint: 'remove files KubeVela does not read (`velahub lint` names them)',
  },
  EUNAUTHORIZED: {
    exit: 'remote',
    http: 401,
    summary: 'no token, or a token the registry does not accept',
    hint: 'log in with `velahub login`, or pass --token / VELAHUB_TOKEN',
  },
  EUNKNOWN_SOURCE: {
    exit: 'usage',
    http: 400,
    summary: 'the path is not an addon folder, .tgz, .cue or .yaml definition',
    hint: 'pass an addon folder, a .tgz archive, or a .cue/.yaml definition',
  },
  EUNREACHABLE: {
    exit: 'remote',
    http: 500,
    summary: 'a registry could not be reached',
    hint: 'check --registry / VELAHUB_REGISTRY and that the server is running',
  },
  EUNSAFE_ENTRY: {
    exit: 'invalid',
    http: 400,
    summary: 'the package holds an entry that is not a regular file or folder (a link, a device, a global header)',
    hint: 'copy files in place of links; a package holds only regular files and folders',
  },
  EUNSAFE_PATH: {
    exit: 'invalid',
    http: 400,
    summary: 'an entry path leaves the package, is absolute, or cannot be written portably',
    hint: 'packages may only hold short, relative UTF-8 paths inside the addon folder',
  },
  EUSAGE: {
    exit: 'usage',
    http: 400,
    summary: 'a flag, argument or option is missing or invalid',
    hint: 'see `velahub COMMAND --help` for the flags it takes',
  },
  EVERSION_NOT_BUMPED: {
    exit: 'invalid',
    http: 409,
    summary: 'the catalog already holds this addon at the same or a newer version',
    hint: 'publish a newer version and export that',
  },
  EVERSION_REQUIRED: {
    exit: 'usage',
    http: 400,
    summary: 'a single definition is packaged without `--version`',
    hint: 'pass --version, e.g. --version 1.0.0',
  },
} as const satisfies Record<`E${string}`, ErrorCodeInfo>;

/** A code in the catalogue: `VelahubError` takes only these. */
export type ErrorCode = keyof typeof errorCodes;

/** True when `code` is in the catalogue (a registry of another version may send others). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCodes, code);
}

/** The CLI exit status of a code; one the catalogue does not know (from another registry version) is `invalid`. */
export function exitStatusOf(code: string): number {
  return exitCodes[isErrorCode(code) ? errorCodes[code].exit : 'invalid'];
}

/** The HTTP status of a code; one the catalogue does not know is a 500. */
export function httpStatusOf(code: string): number {
  return isErrorCode(code) ? errorCodes[code].http : 500;
}

/** The hint to show for an error: its own, else its code's default. */
export function hintOf(err: { code: string; hint?: string }): string | undefined {
  return err.hint ?? (isErrorCode(err.code) ? errorCodes[err.code].hint : undefined);
}
