/**
 * `npm run package`: builds appPackage/build/manifest.json and appPackage/build/cts-ops.zip
 * (manifest.json, color.png, outline.png at the root of the zip, ready to sideload or upload).
 *
 * Env: MicrosoftAppId (the bot's Entra app id; a fixed dummy GUID when unset), BOT_DOMAIN (optional host
 * name of the messaging endpoint, listed in validDomains). Read from `.env.production` too when that file exists
 * (the real environment wins), so an org's values can live beside the deployment (docs/deploy.md).
 * `npm run package -- --update-template` rewrites the commandLists of the committed template from the
 * catalogue instead (run it after changing src/domain/commands.ts or src/teams/routedCommands.ts).
 */
import AdmZip from 'adm-zip';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../src/domain/commands';
import { ROUTED_COMMANDS } from '../src/teams/routedCommands';
import { buildCommandLists, buildManifest, CommandList, ManifestBuildError, PackageSettings, settingsFromEnv, templateWithCommandLists } from './appManifest';

export const APP_PACKAGE_DIR = join(__dirname, '..', 'appPackage');
export const TEMPLATE_PATH = join(APP_PACKAGE_DIR, 'manifest.json');
export const ICON_FILES = ['color.png', 'outline.png'] as const;
/** Fixed entry dates make the zip depend only on its contents. */
const ZIP_ENTRY_TIME = new Date(2025, 0, 1);

export function readTemplate(): unknown {
  return JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8'));
}

export function readAppVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new ManifestBuildError('package.json has no version');
  return pkg.version;
}

export function catalogueCommandLists(): CommandList[] {
  return buildCommandLists(COMMANDS, ROUTED_COMMANDS);
}

export interface BuiltPackage {
  readonly manifestPath: string;
  readonly zipPath: string;
  readonly manifest: Record<string, unknown>;
}

export function packageApp(settings: PackageSettings, outDir = join(APP_PACKAGE_DIR, 'build')): BuiltPackage {
  const manifest = buildManifest(readTemplate(), settings, catalogueCommandLists());
  const manifestJson = `${JSON.stringify(manifest, null, 2)}\n`;
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, 'manifest.json');
  writeFileSync(manifestPath, manifestJson);

  const zip = new AdmZip();
  const add = (name: string, data: Buffer): void => {
    zip.addFile(name, data);
    const entry = zip.getEntry(name);
    if (entry) entry.header.time = ZIP_ENTRY_TIME;
  };
  add('manifest.json', Buffer.from(manifestJson, 'utf8'));
  for (const icon of ICON_FILES) add(icon, readFileSync(join(APP_PACKAGE_DIR, icon)));
  const zipPath = join(outDir, 'cts-ops.zip');
  zip.writeZip(zipPath);
  return { manifestPath, zipPath, manifest };
}

function main(argv: readonly string[]): void {
  if (argv.includes('--update-template')) {
    const updated = templateWithCommandLists(readTemplate(), catalogueCommandLists());
    writeFileSync(TEMPLATE_PATH, `${JSON.stringify(updated, null, 2)}\n`);
    console.log(`updated the commandLists of ${TEMPLATE_PATH}`);
    return;
  }
  // process.loadEnvFile keeps variables already set: the real environment wins over the file.
  if (existsSync('.env.production')) process.loadEnvFile('.env.production');
  const settings = settingsFromEnv(process.env, readAppVersion());
  const built = packageApp(settings);
  if (settings.botIdIsDummy) {
    console.warn(`MicrosoftAppId is not set: the package uses the dummy bot id ${settings.botId} (fine for a schema check, not for sideloading)`);
  }
  console.log(`wrote ${built.manifestPath}\nwrote ${built.zipPath} (bot id ${settings.botId})`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    // Known build problems get one readable line; anything else is a bug worth its stack.
    if (err instanceof ManifestBuildError) {
      console.error(`package: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
