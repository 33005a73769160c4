/** The doctor's checks of the cross-tenant access policies in both tenants (pure: over what the service read). */
import { XTAP, cannot, finding, type Finding, type Read } from './doctor';

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
