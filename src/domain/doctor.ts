/**
 * The `doctor`'s checks: each a pure function over what the service read from Graph, answering one finding with
 * what was found and the fix in one sentence (who, in which tenant, where). A read that could not be made
 * arrives as `{ ok: false, reason }` and turns into an `unknown` finding that says why, so one missing
 * permission never hides the other checks.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'unknown';

export type CheckId =
  | 'token'
  | 'permissions'
  | 'target.partner'
  | 'target.syncAllowed'
  | 'target.inboundConsent'
  | 'target.b2bInbound'
  | 'source.partner'
  | 'source.outboundConsent'
  | 'job.exists'
  | 'job.schedule'
  | 'job.credentials'
  | 'job.quarantine'
  | 'threshold'
  | 'scope.mode'
  | 'scope.nestedGroups'
  | 'schema.userType'
  | 'schema.showInAddressList'
  | 'schema.dynamicGroups';

export interface Finding {
  id: CheckId;
  /** Which tenant the finding is about, when it is about one ("Contoso"). */
  tenant?: string;
  title: string;
  status: CheckStatus;
  found: string;
  fix: string;
}

/** What the service could read, or why it could not ("no Policy.Read.All in Fabrikam"). */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

export const read = <T>(value: T): Read<T> => ({ ok: true, value });
export const unread = <T>(reason: string): Read<T> => ({ ok: false, reason });

const ENTRA = 'Microsoft Entra admin center';
const XTAP = `${ENTRA} > External Identities > Cross-tenant access settings`;
const PROVISIONING = `${ENTRA} > Cross-tenant synchronization > Configurations`;

function finding(id: CheckId, title: string, status: CheckStatus, found: string, fix: string, tenant?: string): Finding {
  return tenant === undefined ? { id, title, status, found, fix } : { id, tenant, title, status, found, fix };
}

function cannot(id: CheckId, title: string, reason: string, tenant?: string): Finding {
  return finding(id, title, 'unknown', `Could not check: ${reason}.`, 'Fix the reason above, then run doctor again.', tenant);
}

// ---------------------------------------------------------------------------------------------
// The bot's own app

/** The bot could sign in to the tenant (a token was issued and the first read answered). */
export function checkToken(tenant: string, signIn: Read<true>): Finding {
  const title = `Bot signs in to ${tenant}`;
  if (!signIn.ok) {
    return finding(
      'token',
      title,
      'fail',
      `No token for ${tenant}: ${signIn.reason}.`,
      `A Global or Privileged Role Administrator of ${tenant} grants admin consent to the bot's app (Enterprise applications), and the bot's credential for ${tenant} is checked.`,
      tenant,
    );
  }
  return finding('token', title, 'pass', `Token issued for ${tenant}.`, 'Nothing to do.', tenant);
}

/** One feature's need: all of `allOf`, each satisfied by any of its alternatives. */
export interface PermissionNeed {
  feature: string;
  allOf: readonly (readonly string[])[];
}

export function missingPermissions(needs: readonly PermissionNeed[], granted: readonly string[]): { permission: string; feature: string }[] {
  const have = new Set(granted.map((g) => g.toLowerCase()));
  const missing: { permission: string; feature: string }[] = [];
  for (const need of needs) {
    for (const anyOf of need.allOf) {
      if (!anyOf.some((p) => have.has(p.toLowerCase()))) missing.push({ permission: anyOf.join(' or '), feature: need.feature });
    }
  }
  return missing;
}

/** The app role assignments of the bot's service principal hold every Graph application permission its features need. */
export function checkPermissions(tenant: string, needs: readonly PermissionNeed[], granted: Read<readonly string[]>): Finding {
  const title = `Bot's Graph permissions in ${tenant}`;
  if (!granted.ok) return cannot('permissions', title, granted.reason, tenant);
  const missing = missingPermissions(needs, granted.value);
  if (!missing.length) return finding('permissions', title, 'pass', `All ${needs.length} features have their permissions.`, 'Nothing to do.', tenant);
  const names = [...new Set(missing.map((m) => m.permission))];
  const found = missing.map((m) => `${m.permission} missing: breaks ${m.feature}`).join('; ');
  return finding(
    'permissions',
    title,
    'fail',
    `${found}.`,
    `A Privileged Role Administrator of ${tenant} grants ${names.join(', ')} (Application) to the bot's app and admin-consents it (${ENTRA} > Enterprise applications > the bot > Permissions).`,
    tenant,
  );
}

// ---------------------------------------------------------------------------------------------
// Cross-tenant access policy

export interface PartnerPolicyView {
  inboundAllowed: boolean | null;
  outboundAllowed: boolean | null;
  /** b2bCollaborationInbound.usersAndGroups.accessType: null when the partner inherits the default settings. */
  b2bInboundAccess: 'allowed' | 'blocked' | null;
}

export interface IdentitySyncView {
  isSyncAllowed: boolean | null;
}

export function checkTargetPolicy(
  target: string,
  source: string,
  partner: Read<PartnerPolicyView | null>,
  sync: Read<IdentitySyncView | null>,
  /** The target's default B2B collaboration inbound access, read when the partner inherits it; absent = not read. */
  inherited?: Read<'allowed' | 'blocked' | null>,
): Finding[] {
  const where = `${XTAP} > Organizational settings > ${source} in ${target}`;
  const out: Finding[] = [];
  const pTitle = `${target} has a partner policy for ${source}`;
  if (!partner.ok) {
    out.push(cannot('target.partner', pTitle, partner.reason, target));
  } else if (!partner.value) {
    out.push(
      finding(
        'target.partner',
        pTitle,
        'fail',
        `${target} has no organizational setting for ${source}.`,
        `A Security Administrator of ${target} adds ${source} under ${XTAP} > Organizational settings.`,
        target,
      ),
    );
  } else {
    out.push(finding('target.partner', pTitle, 'pass', `Partner policy for ${source} exists.`, 'Nothing to do.', target));
  }

  const sTitle = `${target} allows inbound sync from ${source}`;
  if (!sync.ok) out.push(cannot('target.syncAllowed', sTitle, sync.reason, target));
  else if (sync.value?.isSyncAllowed === true)
    out.push(finding('target.syncAllowed', sTitle, 'pass', 'userSyncInbound.isSyncAllowed is true.', 'Nothing to do.', target));
  else {
    out.push(
      finding(
        'target.syncAllowed',
        sTitle,
        'fail',
        sync.value ? 'userSyncInbound.isSyncAllowed is false.' : 'No identitySynchronization policy for this partner.',
        `A Security Administrator of ${target} ticks "Allow users sync into this tenant" at ${where} > Inbound access > Cross-tenant sync.`,
        target,
      ),
    );
  }

  const value = partner.ok ? partner.value : null;
  const cTitle = `${target} redeems invitations from ${source} automatically`;
  if (!partner.ok) out.push(cannot('target.inboundConsent', cTitle, partner.reason, target));
  else if (value?.inboundAllowed === true)
    out.push(finding('target.inboundConsent', cTitle, 'pass', 'automaticUserConsentSettings.inboundAllowed is true.', 'Nothing to do.', target));
  else {
    out.push(
      finding(
        'target.inboundConsent',
        cTitle,
        'fail',
        `automaticUserConsentSettings.inboundAllowed is ${value ? String(value.inboundAllowed) : 'absent'}.`,
        `A Security Administrator of ${target} ticks "Automatically redeem invitations with the tenant ${source}" at ${where} > Inbound access > Trust settings.`,
        target,
      ),
    );
  }

  const bTitle = `${target} does not block B2B collaboration from ${source}`;
  if (!partner.ok) out.push(cannot('target.b2bInbound', bTitle, partner.reason, target));
  else if (value?.b2bInboundAccess === 'blocked') {
    out.push(
      finding(
        'target.b2bInbound',
        bTitle,
        'fail',
        'b2bCollaborationInbound blocks users and groups of the source.',
        `A Security Administrator of ${target} allows users and groups at ${where} > Inbound access > B2B collaboration.`,
        target,
      ),
    );
  } else if (value?.b2bInboundAccess === 'allowed') {
    out.push(finding('target.b2bInbound', bTitle, 'pass', 'B2B collaboration inbound allows users and groups.', 'Nothing to do.', target));
  } else if (inherited && !inherited.ok) {
    out.push(cannot('target.b2bInbound', bTitle, `the partner inherits the default settings, which could not be read: ${inherited.reason}`, target));
  } else if (inherited?.value === 'blocked') {
    out.push(
      finding(
        'target.b2bInbound',
        bTitle,
        'fail',
        `B2B collaboration inbound inherits ${target}'s default settings, which block users and groups of other organizations.`,
        `A Security Administrator of ${target} allows users and groups for ${source} at ${where} > Inbound access > B2B collaboration (or in ${XTAP} > Default settings).`,
        target,
      ),
    );
  } else {
    out.push(
      finding(
        'target.b2bInbound',
        bTitle,
        'pass',
        inherited?.value === 'allowed'
          ? `B2B collaboration inbound inherits ${target}'s default settings, which allow users and groups.`
          : 'B2B collaboration inbound inherits the default settings.',
        'Nothing to do.',
        target,
      ),
    );
  }
  return out;
}

export function checkSourcePolicy(source: string, target: string, partner: Read<PartnerPolicyView | null>): Finding[] {
  const pTitle = `${source} has a partner policy for ${target}`;
  const cTitle = `${source} suppresses consent prompts towards ${target}`;
  if (!partner.ok) return [cannot('source.partner', pTitle, partner.reason, source), cannot('source.outboundConsent', cTitle, partner.reason, source)];
  if (!partner.value) {
    const fix = `A Security Administrator of ${source} adds ${target} under ${XTAP} > Organizational settings and ticks "Automatically redeem invitations" in Outbound access > Trust settings.`;
    return [
      finding('source.partner', pTitle, 'fail', `${source} has no organizational setting for ${target}.`, fix, source),
      finding('source.outboundConsent', cTitle, 'fail', 'No partner policy, so automaticUserConsentSettings.outboundAllowed is not set.', fix, source),
    ];
  }
  const ok = partner.value.outboundAllowed === true;
  return [
    finding('source.partner', pTitle, 'pass', `Partner policy for ${target} exists.`, 'Nothing to do.', source),
    finding(
      'source.outboundConsent',
      cTitle,
      ok ? 'pass' : 'fail',
      `automaticUserConsentSettings.outboundAllowed is ${String(partner.value.outboundAllowed)}.`,
      ok
        ? 'Nothing to do.'
        : `A Security Administrator of ${source} ticks "Automatically redeem invitations with the tenant ${target}" at ${XTAP} > Organizational settings > ${target} > Outbound access > Trust settings.`,
      source,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// The job

export interface JobView {
  templateId: string | null;
  scheduleState: string | null;
  quarantine: { reason: string | null; errorCode: string | null; message: string | null } | null;
}

export function checkJob(config: string, source: string, job: Read<JobView | null>): Finding[] {
  const eTitle = 'Sync job exists (Azure2Azure)';
  const sTitle = 'Job schedule is not Disabled';
  const qTitle = 'Job is not quarantined';
  if (!job.ok)
    return [
      cannot('job.exists', eTitle, job.reason, source),
      cannot('job.schedule', sTitle, job.reason, source),
      cannot('job.quarantine', qTitle, job.reason, source),
    ];
  if (!job.value) {
    const why = `No sync job for ${config} in ${source}.`;
    return [
      finding(
        'job.exists',
        eTitle,
        'fail',
        why,
        `A Hybrid Identity Administrator of ${source} creates the configuration at ${PROVISIONING}, or the estate file is corrected to its service principal and job id.`,
        source,
      ),
      finding('job.schedule', sTitle, 'unknown', 'Could not check: there is no job.', 'Fix the job first.', source),
      finding('job.quarantine', qTitle, 'unknown', 'Could not check: there is no job.', 'Fix the job first.', source),
    ];
  }
  const j = job.value;
  const out: Finding[] = [];
  out.push(
    j.templateId === 'Azure2Azure'
      ? finding('job.exists', eTitle, 'pass', 'Job exists with templateId Azure2Azure.', 'Nothing to do.', source)
      : finding(
          'job.exists',
          eTitle,
          'fail',
          `The job's templateId is ${j.templateId ?? 'absent'}, not Azure2Azure: it is not a cross-tenant sync job.`,
          `Point ${config} in the estate file at the cross-tenant sync job of ${source} (${PROVISIONING}).`,
          source,
        ),
  );
  out.push(
    j.scheduleState === 'Disabled'
      ? finding(
          'job.schedule',
          sTitle,
          'fail',
          'schedule.state is Disabled: no cycle runs.',
          `Type "start ${config}" (or Start provisioning at ${PROVISIONING} > ${config} in ${source}).`,
          source,
        )
      : finding('job.schedule', sTitle, 'pass', `schedule.state is ${j.scheduleState ?? 'unknown'}.`, 'Nothing to do.', source),
  );
  if (!j.quarantine) out.push(finding('job.quarantine', qTitle, 'pass', 'Not in quarantine.', 'Nothing to do.', source));
  else {
    const q = j.quarantine;
    out.push(
      finding(
        'job.quarantine',
        qTitle,
        'fail',
        `Quarantined (${q.reason ?? 'no reason given'}${q.errorCode ? `, ${q.errorCode}` : ''})${q.message ? `: ${q.message}` : '.'}`,
        `Fix the cause the other rows name, then type "restart ${config} quarantine".`,
        source,
      ),
    );
  }
  return out;
}

export function checkCredentials(config: string, source: string, result: Read<{ valid: boolean; message?: string }>): Finding {
  const title = 'Saved credentials validate';
  if (!result.ok) return cannot('job.credentials', title, result.reason, source);
  if (result.value.valid)
    return finding('job.credentials', title, 'pass', 'validateCredentials with the saved credentials succeeded.', 'Nothing to do.', source);
  return finding(
    'job.credentials',
    title,
    'fail',
    `validateCredentials failed${result.value.message ? `: ${result.value.message}` : '.'}`,
    `A Hybrid Identity Administrator of ${source} opens ${PROVISIONING} > ${config} > Provisioning > Admin credentials, clicks Test connection and saves.`,
    source,
  );
}

// ---------------------------------------------------------------------------------------------
// Deletion threshold and scope

export function checkThreshold(config: string, source: string, t: Read<{ enabled: boolean; value: number | null; defaulted?: boolean }>): Finding {
  const title = 'Accidental-deletion threshold is enabled';
  if (!t.ok) return cannot('threshold', title, t.reason, source);
  if (!t.value.enabled) {
    return finding(
      'threshold',
      title,
      'warn',
      'The accidental-deletion threshold is disabled: a bad scope change deletes users without stopping.',
      `A Hybrid Identity Administrator of ${source} ticks "Prevent accidental deletion" at ${PROVISIONING} > ${config} > Provisioning > Settings (the default is 500).`,
      source,
    );
  }
  return finding('threshold', title, 'pass', `Enabled at ${t.value.value ?? 500}${t.value.defaulted ? ' (the default)' : ''}.`, 'Nothing to do.', source);
}

export function checkScopeMode(config: string, source: string, syncAll: Read<boolean | null>): Finding {
  const title = 'Scope: only assigned users and groups';
  if (!syncAll.ok) return cannot('scope.mode', title, syncAll.reason, source);
  if (syncAll.value === true) {
    return finding(
      'scope.mode',
      title,
      'warn',
      'Scope is "Sync all users and groups" (SyncAll is true): every user of the source is synced.',
      `A Hybrid Identity Administrator of ${source} sets Scope to "Sync only assigned users and groups" at ${PROVISIONING} > ${config} > Provisioning > Settings.`,
      source,
    );
  }
  return finding('scope.mode', title, 'pass', 'Only assigned users and groups are in scope.', 'Nothing to do.', source);
}

export function checkNestedGroups(config: string, source: string, groups: Read<{ name: string; nestedGroups: number }[]>): Finding {
  const title = 'Assigned groups have no nested groups';
  if (!groups.ok) return cannot('scope.nestedGroups', title, groups.reason, source);
  const nested = groups.value.filter((g) => g.nestedGroups > 0);
  if (!nested.length)
    return finding('scope.nestedGroups', title, 'pass', `${groups.value.length} assigned group(s), none with nested groups.`, 'Nothing to do.', source);
  return finding(
    'scope.nestedGroups',
    title,
    'warn',
    `${nested.map((g) => `${g.name} (${g.nestedGroups} nested)`).join(', ')}: members of nested groups are not synced.`,
    `An owner of the group in ${source} adds those members directly, or "request ${config} add <group>" assigns the nested group itself.`,
    source,
  );
}

// ---------------------------------------------------------------------------------------------
// The user rule's attribute mappings

export interface MappingView {
  target: string;
  /** 'Constant' | 'Attribute' | 'Function' …, as Graph names the source type. */
  sourceType: string | null;
  /** The constant's value, the attribute's name, or the function's expression. */
  source: string | null;
  /** Always | ObjectAddOnly … (flowType). */
  flow: string | null;
}

export function checkUserType(config: string, source: string, mappings: Read<MappingView[]>): Finding {
  const title = 'userType is mapped to the constant Member, always';
  if (!mappings.ok) return cannot('schema.userType', title, mappings.reason, source);
  const m = mappings.value.find((x) => x.target.toLowerCase() === 'usertype');
  const fix = `A Hybrid Identity Administrator of ${source} edits ${PROVISIONING} > ${config} > Provisioning > Mappings > users: userType = Constant "Member", apply "Always".`;
  // Without a mapping CTS creates members (the template's default), so only an explicit Guest or a weaker flow warns.
  if (!m) return finding('schema.userType', title, 'pass', 'No userType mapping: CTS creates members.', 'Nothing to do.', source);
  const value = (m.source ?? '').replace(/^"|"$/g, '');
  if (m.sourceType === 'Constant' && value.toLowerCase() === 'guest')
    return finding('schema.userType', title, 'warn', 'userType is the constant Guest: synced users are created as guests.', fix, source);
  if (m.sourceType !== 'Constant' || value.toLowerCase() !== 'member')
    return finding('schema.userType', title, 'warn', `userType comes from ${m.sourceType ?? 'an unknown source'} ${value || ''}`.trim() + '.', fix, source);
  if (m.flow && m.flow !== 'Always') return finding('schema.userType', title, 'warn', `userType is Member but applied "${m.flow}", not Always.`, fix, source);
  return finding('schema.userType', title, 'pass', 'userType = Constant Member, Always.', 'Nothing to do.', source);
}

/** Informational: an unmapped showInAddressList hides synced users from the target's GAL in some clients. */
export function checkShowInAddressList(config: string, source: string, mappings: Read<MappingView[]>): Finding {
  const title = 'showInAddressList is mapped';
  if (!mappings.ok) return cannot('schema.showInAddressList', title, mappings.reason, source);
  const m = mappings.value.find((x) => x.target.toLowerCase() === 'showinaddresslist');
  if (m)
    return finding(
      'schema.showInAddressList',
      title,
      'pass',
      `showInAddressList comes from ${m.sourceType ?? '?'} ${m.source ?? ''}`.trim() + '.',
      'Nothing to do.',
      source,
    );
  return finding(
    'schema.showInAddressList',
    title,
    'pass',
    'showInAddressList is not mapped (information only).',
    `If synced users should appear in the target's address list, map showInAddressList at ${PROVISIONING} > ${config} > Mappings.`,
    source,
  );
}

/** Attributes named in a dynamic-group rule: `user.department -eq "x"` names department. */
export function ruleAttributes(rule: string): string[] {
  const out = new Set<string>();
  for (const m of rule.matchAll(/\buser\.([A-Za-z][A-Za-z0-9_]*)/g)) out.add(m[1].toLowerCase());
  return [...out];
}

export function checkDynamicGroups(
  config: string,
  source: string,
  target: string,
  mappings: Read<MappingView[]>,
  rules: Read<{ name: string; rule: string }[]>,
): Finding {
  const title = `Mappings do not feed dynamic groups of ${target}`;
  if (!mappings.ok) return cannot('schema.dynamicGroups', title, mappings.reason, source);
  if (!rules.ok) return cannot('schema.dynamicGroups', title, rules.reason, target);
  const written = new Set(mappings.value.map((m) => m.target.toLowerCase()));
  const hits: string[] = [];
  for (const g of rules.value) {
    const attrs = ruleAttributes(g.rule).filter((a) => written.has(a));
    if (attrs.length) hits.push(`${g.name} (${attrs.join(', ')})`);
  }
  if (!hits.length)
    return finding(
      'schema.dynamicGroups',
      title,
      'pass',
      `${rules.value.length} dynamic group(s) in ${target}; none uses a synced attribute.`,
      'Nothing to do.',
      target,
    );
  return finding(
    'schema.dynamicGroups',
    title,
    'warn',
    `Synced attributes decide membership of ${hits.join(', ')}: synced users join them.`,
    `A Groups Administrator of ${target} reviews those rules (add user.userType -eq "Member" plus a source filter), or the mapping at ${PROVISIONING} > ${config} > Mappings is removed.`,
    target,
  );
}

// ---------------------------------------------------------------------------------------------
// Summary

const ORDER: Record<CheckStatus, number> = { pass: 0, unknown: 1, warn: 2, fail: 3 };

/** The worst status among findings: the card's colour and the CLI's exit code come from it. */
export function worstStatus(findings: readonly Finding[]): CheckStatus {
  let worst: CheckStatus = 'pass';
  for (const f of findings) if (ORDER[f.status] > ORDER[worst]) worst = f.status;
  return worst;
}

export function countByStatus(findings: readonly Finding[]): Record<CheckStatus, number> {
  const c: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, unknown: 0 };
  for (const f of findings) c[f.status] += 1;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Drift inputs (alerts are built on these by the monitor)

/** What the doctor's verdict for one configuration depends on; when the fingerprint changes, run the checks again. */
export interface DoctorInputs {
  policies: {
    target: { exists: boolean; isSyncAllowed: boolean | null; inboundAllowed: boolean | null; b2bInboundAccess: string | null };
    source: { exists: boolean; outboundAllowed: boolean | null };
  };
  threshold: { enabled: boolean; value: number | null };
  syncAll: boolean | null;
  /** Hash or version of the schema's mappings (see mappingsHash). */
  schemaMappingHash: string;
  assignedGroupCount: number;
  scopeSize: number;
}

/** A stable string of the inputs: key order and case of the caller's object do not matter. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** FNV-1a 64-bit over the UTF-16 units: short, stable, no I/O (not for security). */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

export function doctorFingerprint(inputs: DoctorInputs): string {
  return fnv1a64(canonical(inputs));
}

/** Mappings in order-independent form, so a reordered but equal schema hashes the same. */
export function mappingsHash(mappings: readonly MappingView[]): string {
  return fnv1a64(canonical([...mappings].map((m) => canonical(m)).sort()));
}

export interface Drift {
  /** Checks that passed before and now warn or fail. */
  worsened: { id: CheckId; tenant?: string; title: string; from: CheckStatus; to: CheckStatus; found: string; fix: string }[];
  scopeGrowth: { from: number; to: number; percent: number } | null;
}

const key = (f: { id: CheckId; tenant?: string }) => `${f.id}|${(f.tenant ?? '').toLowerCase()}`;

/**
 * What changed for the worse between two runs: checks that turned pass → warn/fail, and scope growth above
 * `growthPercent` (from an empty scope, any growth counts). A check absent before is not drift (new check).
 */
export function driftBetween(
  previousFindings: readonly Finding[],
  currentFindings: readonly Finding[],
  previousScopeSize: number,
  currentScopeSize: number,
  growthPercent: number,
): Drift {
  const before = new Map(previousFindings.map((f) => [key(f), f]));
  const worsened: Drift['worsened'] = [];
  for (const f of currentFindings) {
    const was = before.get(key(f));
    if (was?.status === 'pass' && (f.status === 'warn' || f.status === 'fail')) {
      worsened.push({
        id: f.id,
        ...(f.tenant !== undefined ? { tenant: f.tenant } : {}),
        title: f.title,
        from: was.status,
        to: f.status,
        found: f.found,
        fix: f.fix,
      });
    }
  }
  let scopeGrowth: Drift['scopeGrowth'] = null;
  if (currentScopeSize > previousScopeSize) {
    const percent = previousScopeSize > 0 ? ((currentScopeSize - previousScopeSize) / previousScopeSize) * 100 : Infinity;
    if (percent > growthPercent)
      scopeGrowth = { from: previousScopeSize, to: currentScopeSize, percent: Number.isFinite(percent) ? Math.round(percent * 10) / 10 : percent };
  }
  return { worsened, scopeGrowth };
}
