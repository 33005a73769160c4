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
export const XTAP = `${ENTRA} > External Identities > Cross-tenant access settings`;
const PROVISIONING = `${ENTRA} > Cross-tenant synchronization > Configurations`;

export function finding(id: CheckId, title: string, status: CheckStatus, found: string, fix: string, tenant?: string): Finding {
  return tenant === undefined ? { id, title, status, found, fix } : { id, tenant, title, status, found, fix };
}

export function cannot(id: CheckId, title: string, reason: string, tenant?: string): Finding {
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
