/**
 * Builds the Teams app manifest from the committed template (appPackage/manifest.json): fills the
 * ${{NAME}} placeholders and generates bots[].commandLists from the command catalogue, keeping only
 * commands that are both meant for the menu and actually routed. Pure functions; I/O is in package-app.ts.
 */
import { z } from 'zod';

export class ManifestBuildError extends Error {
  override readonly name = 'ManifestBuildError';
}

/** The part of a catalogue entry (src/domain/commands.ts) the menu needs. */
export interface MenuCandidate {
  readonly kind: string;
  readonly name: string;
  readonly description: string;
  readonly manifest: boolean;
}

export interface MenuCommand {
  readonly title: string;
  readonly description: string;
}

export interface CommandList {
  readonly scopes: readonly [BotScope];
  readonly commands: readonly MenuCommand[];
}

export const BOT_SCOPES = ['personal', 'team', 'groupChat'] as const;
export type BotScope = (typeof BOT_SCOPES)[number];

/** Teams platform limits for the command menu (stricter than the JSON schema, which allows 12 and 128). */
export const MENU_LIMITS = { commandsPerList: 10, titleLength: 32, descriptionLength: 128 } as const;

/** Used when MicrosoftAppId is unset, so a package built on a laptop or in CI is still schema-valid. */
export const DUMMY_BOT_ID = '00000000-0000-4000-8000-000000000001';

/**
 * The menu: routed catalogue entries flagged for the manifest, in catalogue order, the first ten, one list
 * per scope (the schema asks for a separate list for each scope). Overlong text is an error, not a
 * truncation: the menu is user-facing and a cut sentence reads badly.
 */
export function buildCommandLists(catalogue: readonly MenuCandidate[], routedKinds: readonly string[]): CommandList[] {
  const routed = new Set(routedKinds);
  const seen = new Set<string>();
  const commands: MenuCommand[] = [];
  for (const entry of catalogue) {
    if (!entry.manifest || !routed.has(entry.kind)) continue;
    const title = entry.name.trim();
    const description = entry.description.trim();
    if (title.length === 0 || title.length > MENU_LIMITS.titleLength) {
      throw new ManifestBuildError(`command "${title}": the title must be 1-${MENU_LIMITS.titleLength} characters`);
    }
    if (description.length === 0 || description.length > MENU_LIMITS.descriptionLength) {
      throw new ManifestBuildError(`command "${title}": the description must be 1-${MENU_LIMITS.descriptionLength} characters (has ${description.length})`);
    }
    if (seen.has(title.toLowerCase())) continue;
    seen.add(title.toLowerCase());
    commands.push({ title, description });
  }
  const menu = commands.slice(0, MENU_LIMITS.commandsPerList);
  return BOT_SCOPES.map((scope) => ({ scopes: [scope] as const, commands: menu }));
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
// A bare host name (no scheme, port or path), optionally with a leading wildcard label as Teams allows.
const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

const packageEnvSchema = z.object({
  MicrosoftAppId: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || GUID.test(v), "MicrosoftAppId must be a GUID (the bot's Entra app id)"),
  BOT_DOMAIN: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || HOST.test(v), 'BOT_DOMAIN must be a host name such as bot.contoso.com'),
});

export interface PackageSettings {
  readonly botId: string;
  readonly botIdIsDummy: boolean;
  readonly botDomain: string | undefined;
  readonly appVersion: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv, appVersion: string): PackageSettings {
  const parsed = packageEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ManifestBuildError(parsed.error.issues.map((i) => i.message).join('; '));
  }
  return {
    botId: parsed.data.MicrosoftAppId ?? DUMMY_BOT_ID,
    botIdIsDummy: parsed.data.MicrosoftAppId === undefined,
    botDomain: parsed.data.BOT_DOMAIN,
    appVersion,
  };
}

const PLACEHOLDER = /\$\{\{([A-Z0-9_]+)\}\}/g;

/** Replaces ${{NAME}} in every string of a JSON value; an unknown name is an error, never left behind. */
export function fillPlaceholders(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new ManifestBuildError(`the manifest template names an unknown placeholder \${{${name}}}`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, values)]));
  }
  return value;
}

type JsonObject = Record<string, unknown>;

function asObject(value: unknown, where: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ManifestBuildError(`${where} must be an object`);
  }
  return value as JsonObject;
}

/** The single bot entry of a manifest (ours has exactly one). */
export function botOf(manifest: unknown): JsonObject {
  const bots = asObject(manifest, 'the manifest').bots;
  if (!Array.isArray(bots) || bots.length !== 1) throw new ManifestBuildError('the manifest must declare exactly one bot');
  return asObject(bots[0], 'bots[0]');
}

export function buildManifest(template: unknown, settings: PackageSettings, commandLists: readonly CommandList[]): JsonObject {
  const filled = asObject(
    fillPlaceholders(template, {
      BOT_ID: settings.botId,
      APP_VERSION: settings.appVersion,
      BOT_DOMAIN: settings.botDomain ?? '',
    }),
    'the manifest',
  );
  botOf(filled).commandLists = commandLists;
  // An unset BOT_DOMAIN leaves an empty entry: drop it rather than ship "" as a domain.
  if (Array.isArray(filled.validDomains)) filled.validDomains = filled.validDomains.filter((d) => d !== '');
  return filled;
}

/** The template with its commandLists replaced: what `npm run package -- --update-template` writes. */
export function templateWithCommandLists(template: unknown, commandLists: readonly CommandList[]): JsonObject {
  const copy = asObject(structuredClone(template), 'the manifest');
  botOf(copy).commandLists = commandLists;
  return copy;
}
