/**
 * The official Teams manifest JSON schemas as shipped in @microsoft/app-manifest, read from disk.
 * The manifest's $schema is a URL; nothing here ever fetches it.
 */
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const packageRoot = dirname(require.resolve('@microsoft/app-manifest/package.json'));

export function teamsSchemaPath(manifestVersion: string): string {
  return join(packageRoot, 'build', 'json-schemas', 'teams', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
}

export function loadTeamsSchema(manifestVersion: string): object {
  // Same clean-up the package applies to downloaded schemas: some regexes contain \a and \v, invalid in JSON.
  const raw = readFileSync(teamsSchemaPath(manifestVersion), 'utf8').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b');
  return JSON.parse(raw) as object;
}

/**
 * Schema errors as readable lines; [] when valid. The validator is set up as the package's own
 * AppManifestUtils.validateAgainstSchema does it (draft-04 Ajv, allErrors, uri/email/regex formats); the
 * package's entry point itself cannot be loaded under jest (it requires an ES-module-only dependency).
 */
export function validateTeamsManifest(manifest: object, manifestVersion: string): string[] {
  const ajv = new Ajv04({ allErrors: true, strictTypes: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(loadTeamsSchema(manifestVersion));
  if (validate(JSON.parse(JSON.stringify(manifest)))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
