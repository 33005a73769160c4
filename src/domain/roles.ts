/** Built-in Entra role template ids (permissions-reference, all-roles table). */
export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  hybridIdentityAdministrator: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  cloudApplicationAdministrator: '158c047a-c907-4556-b7ef-446551a6b5f7',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  exchangeAdministrator: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  sharePointAdministrator: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  conditionalAccessAdministrator: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
} as const;

export const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLE.globalAdministrator]: 'Global Administrator',
  [ROLE.securityAdministrator]: 'Security Administrator',
  [ROLE.hybridIdentityAdministrator]: 'Hybrid Identity Administrator',
  [ROLE.applicationAdministrator]: 'Application Administrator',
  [ROLE.cloudApplicationAdministrator]: 'Cloud Application Administrator',
  [ROLE.securityReader]: 'Security Reader',
  [ROLE.reportsReader]: 'Reports Reader',
  [ROLE.globalReader]: 'Global Reader',
  [ROLE.privilegedRoleAdministrator]: 'Privileged Role Administrator',
  [ROLE.privilegedAuthenticationAdministrator]: 'Privileged Authentication Administrator',
  [ROLE.userAdministrator]: 'User Administrator',
  [ROLE.exchangeAdministrator]: 'Exchange Administrator',
  [ROLE.sharePointAdministrator]: 'SharePoint Administrator',
  [ROLE.conditionalAccessAdministrator]: 'Conditional Access Administrator',
};

/** Roles whose holders deserve a second look before they get an account in another tenant. */
export const PRIVILEGED_ROLES: ReadonlySet<string> = new Set([
  ROLE.globalAdministrator,
  ROLE.privilegedRoleAdministrator,
  ROLE.securityAdministrator,
  ROLE.hybridIdentityAdministrator,
  ROLE.applicationAdministrator,
  ROLE.cloudApplicationAdministrator,
  ROLE.privilegedAuthenticationAdministrator,
  ROLE.userAdministrator,
  ROLE.exchangeAdministrator,
  ROLE.sharePointAdministrator,
  ROLE.conditionalAccessAdministrator,
]);

export function roleName(templateId: string): string {
  return ROLE_NAMES[templateId.toLowerCase()] ?? `role ${templateId}`;
}
