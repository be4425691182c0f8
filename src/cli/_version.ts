/**
 * The package version the CLI reports. scripts/build-npm.mjs fails the build when it differs from
 * package.json's or deno.json's `version`.
 *
 * @module
 */

/** The package version. */
export const VERSION = "0.1.0";
