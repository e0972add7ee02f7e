import { createHash, createHmac } from 'node:crypto';

/**
 * How token secrets are stored. Kept in the store layer, beside the rows it hashes: the store
 * needs it to find and migrate tokens, and tokens.ts (which creates them through the store)
 * builds on it, so neither imports the other.
 */

/** Marks a stored token hash as peppered (rows without it predate the pepper and are migrated). */
export const tokenHashPrefix = 'hmac-sha256:';

/** The SHA-256 of a token: what velahub stored before the pepper, and the input of the HMAC. */
export function legacyTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The peppered form of a token's SHA-256: HMAC-SHA256 keyed with the server's pepper. Keyed on
 * the SHA-256 (not the token) so hashes stored before the pepper migrate without the secrets.
 */
export function pepperHash(sha256Hex: string, pepper: Uint8Array): string {
  return tokenHashPrefix + createHmac('sha256', pepper).update(sha256Hex).digest('hex');
}

/**
 * How a token is stored: an HMAC with a server-side pepper kept outside the data folder, so a
 * copy of the database alone cannot be used to check guesses offline. Never the token itself.
 */
export function hashToken(token: string, pepper: Uint8Array): string {
  return pepperHash(legacyTokenHash(token), pepper);
}
