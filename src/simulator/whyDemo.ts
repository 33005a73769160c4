import { assign } from './estate';
import { DEMO } from './demoIds';
import { iso, type ServicePrincipal, type SimGroup, type SimTenant, type SimUser } from './model';

/**
 * The demo estate's users for `why` (docs/why.md): one per verdict that the estate can show without a control call.
 * Fixed ids, and no draw from the estate's random generator, so every other demo object keeps its id.
 */
export const WHY_DEMO = {
  /** Fabrikam's contact holding Isaiah's address. */
  contactId: '8e614e3a-3d5e-4f77-a4bf-26df8d3af90b',
  /** Fabrikam's guest invited from Johanna, never redeemed. */
  pendingGuestId: '9f725f4b-4e6f-4088-b5c0-37e09e4b0a1c',
} as const;

function member(now: number, p: { id: string; userPrincipalName: string; displayName: string }, extra: Partial<SimUser> = {}): SimUser {
  const [givenName = p.displayName, surname = ''] = p.displayName.split(' ');
  return {
    ...p,
    givenName,
    surname,
    mail: p.userPrincipalName,
    userType: 'Member',
    accountEnabled: true,
    department: 'Sales',
    jobTitle: 'Account Manager',
    createdDateTime: iso(now - 200 * 86400_000),
    ...extra,
  };
}

export function addWhyDemo(contoso: SimTenant, fabrikam: SimTenant, sp: ServicePrincipal, contractors: SimGroup, now: number): void {
  const U = DEMO.users;
  const users = [member(now, U.diego, { accountEnabled: false }), member(now, U.isaiah), member(now, U.johanna), member(now, U.lynne)];
  users.forEach((u) => contoso.users.set(u.id, u));
  [U.diego, U.isaiah, U.johanna].forEach((u, i) => assign(contoso, sp, u.id, `whyDemoAssignment${i}AAAAAAAAAA`, now));
  contractors.members.push(U.lynne.id);

  const address = U.isaiah.userPrincipalName;
  (fabrikam.contacts ??= new Map()).set(WHY_DEMO.contactId, {
    id: WHY_DEMO.contactId,
    displayName: 'Isaiah Langer (Contoso)',
    mail: address,
    proxyAddresses: [`SMTP:${address}`],
  });
  fabrikam.users.set(WHY_DEMO.pendingGuestId, {
    id: WHY_DEMO.pendingGuestId,
    userPrincipalName: `${U.johanna.userPrincipalName.replace('@', '_')}#EXT#@${fabrikam.domain}`.toLowerCase(),
    displayName: U.johanna.displayName,
    givenName: 'Johanna',
    surname: 'Lorenz',
    mail: U.johanna.userPrincipalName,
    userType: 'Guest',
    creationType: 'Invitation',
    externalUserState: 'PendingAcceptance',
    accountEnabled: true,
    // Differs from the source, so the first cycle's match is an update the log shows.
    department: null,
    jobTitle: null,
    createdDateTime: iso(now - 30 * 86400_000),
    invitedFrom: { tenantId: contoso.id, userId: U.johanna.id },
  });
}
