import { COMMANDS } from '../../domain/commands';
import { PERMISSION_DESCRIPTIONS } from '../../domain/policy';
import { roleName } from '../../domain/roles';
import type { AccessService } from '../../services/access';
import { renderCard } from '../cards';
import type { CommandHandler } from '../app';
import type { Reply } from '../reply';
import { ROUTED_COMMANDS } from '../routedCommands';

/** The plain help card of each help context (the composition root makes one): the same every time, rendered once. */
const plainHelp = new WeakMap<object, Extract<Reply, { card: unknown }>>();

export function helpReply(context: { mode: string; configurations: string[] }, hint?: string): Reply {
  if (hint === undefined) {
    let cached = plainHelp.get(context);
    if (!cached) plainHelp.set(context, (cached = renderHelp(context) as Extract<Reply, { card: unknown }>));
    // A copy: whoever sends it may add to it.
    return { ...cached, card: structuredClone(cached.card) };
  }
  return renderHelp(context, hint);
}

/** The help card names at most this many configurations: a person reads it, and it is sent on every `help`. */
export const HELP_CONFIGURATIONS_SHOWN = 10;

function configurationList(names: string[]): string {
  if (!names.length) return 'none';
  const shown = names.slice(0, HELP_CONFIGURATIONS_SHOWN).join(', ');
  const more = names.length - HELP_CONFIGURATIONS_SHOWN;
  return more > 0 ? `${shown} and ${more} more (type "status" to see them all)` : shown;
}

function renderHelp(context: { mode: string; configurations: string[] }, hint?: string): Reply {
  const routed = new Set(ROUTED_COMMANDS);
  const commands = COMMANDS.filter((c) => routed.has(c.kind)).map((c) => ({ usage: c.usage, description: c.description, example: c.example }));
  return {
    card: renderCard('help', { hint: hint ?? '', commands, mode: context.mode, configurations: configurationList(context.configurations) }),
    summary: hint ?? 'CTS Ops commands',
  };
}

export function whoamiHandler(access: AccessService, tenantName: (id: string) => string): CommandHandler<'whoami'> {
  return async (turn) => {
    const resolved = turn.resolved ?? (await access.resolve(turn.caller, { fresh: false }));
    const permissions = access.permissions(resolved);
    return {
      card: renderCard('whoami', {
        name: resolved.displayName ?? turn.caller.name,
        upn: resolved.userPrincipalName ?? 'not found in the directory',
        objectId: resolved.aadObjectId,
        tenant: `${tenantName(resolved.tenantId)} (${resolved.tenantId})`,
        userType: resolved.userType === 'Unknown' ? 'not found in the home tenant' : resolved.userType,
        roles: resolved.rolesProblem
          ? `Unreadable (a configuration problem, not "no role"): ${resolved.rolesProblem}`
          : resolved.roleTemplateIds.length
            ? resolved.roleTemplateIds.map(roleName).join(', ')
            : 'none',
        permissions: permissions.map((p) => ({ name: p, meaning: PERMISSION_DESCRIPTIONS[p] })),
        resolvedAt: new Date(resolved.resolvedAt).toISOString(),
      }),
      summary: `You are ${resolved.displayName ?? turn.caller.name}`,
    };
  };
}
