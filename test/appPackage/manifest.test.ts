/**
 * The Teams app package: the generated manifest against the official schema (offline), the committed
 * template in step with the routed command catalogue, and the zip as Teams expects it.
 */
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/domain/commands';
import { ROUTED_COMMANDS } from '../../src/teams/routedCommands';
import { botOf, DUMMY_BOT_ID, MENU_LIMITS, PackageSettings } from '../../scripts/appManifest';
import { APP_PACKAGE_DIR, catalogueCommandLists, ICON_FILES, packageApp, readAppVersion, readTemplate } from '../../scripts/package-app';
import { validateTeamsManifest } from './teamsSchema';

const REPO_ROOT = join(__dirname, '..', '..');
const BOT_ID = '3c9f1a2b-8d4e-4f60-9a7b-1e2d3c4b5a69';

let outDir: string;
beforeEach(() => {
  outDir = mkdtempSync(join(tmpdir(), 'cts-app-package-'));
});
afterEach(() => rmSync(outDir, { recursive: true, force: true }));

function settings(overrides: Partial<PackageSettings> = {}): PackageSettings {
  return { botId: BOT_ID, botIdIsDummy: false, botDomain: 'ctsops.contoso.com', appVersion: readAppVersion(), ...overrides };
}

function manifestVersionOf(manifest: Record<string, unknown>): string {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string') throw new Error('manifestVersion missing');
  return version;
}

describe('generated manifest', () => {
  it('is valid against the official Teams schema of its manifestVersion, which is 1.19 or later', () => {
    const { manifest } = packageApp(settings(), outDir);
    const version = manifestVersionOf(manifest);
    const [major, minor] = version.split('.').map(Number);
    expect(major === 1 && minor >= 19).toBe(true);
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/en-us/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
    expect(validateTeamsManifest(manifest, version)).toEqual([]);
  });

  it('is also valid with the dummy bot id and no BOT_DOMAIN, so a package always builds', () => {
    const { manifest } = packageApp(settings({ botId: DUMMY_BOT_ID, botIdIsDummy: true, botDomain: undefined }), outDir);
    expect(botOf(manifest).botId).toBe(DUMMY_BOT_ID);
    expect(manifest.validDomains).toEqual([]);
    expect(validateTeamsManifest(manifest, manifestVersionOf(manifest))).toEqual([]);
  });

  it("would stay valid under manifest 1.23 (the docs' current version): a downgrade is two strings", () => {
    const { manifest } = packageApp(settings(), outDir);
    const downgraded = {
      ...manifest,
      manifestVersion: '1.23',
      $schema: 'https://developer.microsoft.com/en-us/json-schemas/teams/v1.23/MicrosoftTeams.schema.json',
    };
    expect(validateTeamsManifest(downgraded, '1.23')).toEqual([]);
  });

  it('is rejected by the same validator when it breaks the schema (the check has teeth)', () => {
    const { manifest } = packageApp(settings(), outDir);
    const broken = {
      ...manifest,
      description: { short: 'x'.repeat(81), full: 'ok' },
      bots: [{ ...botOf(manifest), botId: 'not-a-guid' }],
    };
    const errors = validateTeamsManifest(broken, manifestVersionOf(manifest));
    expect(errors.some((e) => e.startsWith('/description/short'))).toBe(true);
    expect(errors.some((e) => e.startsWith('/bots/0/botId'))).toBe(true);
  });

  it('fills every placeholder and carries the bot, scopes, icons and identity the brief asks for', () => {
    const { manifest } = packageApp(settings(), outDir);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest.version).toBe(readAppVersion());
    expect(manifest.name).toMatchObject({ short: 'CTS Ops' });
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(manifest.validDomains).toEqual(['ctsops.contoso.com']);
    expect(manifest).not.toHaveProperty('webApplicationInfo');
    const bot = botOf(manifest);
    expect(bot.botId).toBe(BOT_ID);
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot.supportsFiles).toBe(false);
    const full = (manifest.description as { full: string }).full.toLowerCase();
    for (const topic of ['approv', 'scope', 'quarantine', 'deletion threshold', 'pause', 'restart']) {
      expect(full).toContain(topic);
    }
  });
});

describe('command menu', () => {
  it('in the committed template equals what the generator builds from the routed catalogue', () => {
    // If this fails after a change to the catalogue or the routes: npm run package -- --update-template
    expect(botOf(readTemplate()).commandLists).toEqual(catalogueCommandLists());
  });

  it('offers exactly the routed commands flagged for the manifest, in every scope, within Teams limits', () => {
    const expected = COMMANDS.filter((c) => c.manifest && ROUTED_COMMANDS.includes(c.kind))
      .slice(0, MENU_LIMITS.commandsPerList)
      .map((c) => c.name);
    const lists = botOf(readTemplate()).commandLists as { scopes: string[]; commands: { title: string; description: string }[] }[];
    expect(lists.map((l) => l.scopes)).toEqual([['personal'], ['team'], ['groupChat']]);
    for (const list of lists) {
      expect(list.commands.map((c) => c.title)).toEqual(expected);
      expect(list.commands.length).toBeLessThanOrEqual(10);
      for (const command of list.commands) {
        expect(command.title.length).toBeLessThanOrEqual(32);
        expect(command.description.length).toBeLessThanOrEqual(128);
        const entry = COMMANDS.find((c) => c.name === command.title);
        expect(entry?.description).toBe(command.description);
      }
    }
  });
});

describe('cts-ops.zip', () => {
  it('holds exactly manifest.json, color.png and outline.png at its root, byte for byte', () => {
    const built = packageApp(settings(), outDir);
    const zip = new AdmZip(built.zipPath);
    const entries = zip.getEntries();
    expect(entries.map((e) => e.entryName).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(entries.every((e) => !e.isDirectory)).toBe(true);
    expect(JSON.parse(zip.readAsText('manifest.json'))).toEqual(built.manifest);
    expect(readFileSync(built.manifestPath, 'utf8')).toBe(zip.readAsText('manifest.json'));
    for (const icon of ICON_FILES) {
      expect(zip.readFile(icon)?.equals(readFileSync(join(APP_PACKAGE_DIR, icon)))).toBe(true);
    }
  });

  it('is reproducible: the same inputs give the same bytes', () => {
    const first = readFileSync(packageApp(settings(), join(outDir, 'a')).zipPath);
    const second = readFileSync(packageApp(settings(), join(outDir, 'b')).zipPath);
    expect(first.equals(second)).toBe(true);
  });
});

describe('npm run package (the script itself)', () => {
  const script = join(REPO_ROOT, 'scripts', 'package-app.ts');
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, MicrosoftAppId: '', BOT_DOMAIN: '', ...env },
      encoding: 'utf8',
    });

  it('writes appPackage/build/cts-ops.zip with the bot id from MicrosoftAppId', () => {
    const result = run({ MicrosoftAppId: BOT_ID });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const zip = new AdmZip(join(APP_PACKAGE_DIR, 'build', 'cts-ops.zip'));
    expect(botOf(JSON.parse(zip.readAsText('manifest.json'))).botId).toBe(BOT_ID);
  });

  it('refuses a MicrosoftAppId that is not a GUID with one readable line and exit code 1', () => {
    const result = run({ MicrosoftAppId: 'my-bot' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("package: MicrosoftAppId must be a GUID (the bot's Entra app id)");
  });
});
