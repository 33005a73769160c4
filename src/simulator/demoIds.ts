/** Fixed ids of the built-in estate. Other code, tests and the Agents Playground config rely on these. */
export const DEMO = {
  homeTenantId: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31',
  tenants: {
    contoso: { id: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31', name: 'Contoso', domain: 'contoso.onmicrosoft.com' },
    fabrikam: { id: 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42', name: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com' },
    northwind: { id: 'c7f4e1f3-5d90-4eac-9b38-4f6a0d2e9c53', name: 'Northwind', domain: 'northwind.onmicrosoft.com' },
  },
  users: {
    /** Hybrid Identity Administrator (direct role assignment). */
    megan: { id: 'e1c7a3f0-92b4-4d6e-8a15-7c3b9d2f4e61', userPrincipalName: 'MeganB@contoso.onmicrosoft.com', displayName: 'Megan Bowen' },
    /** Application Administrator through the role-assignable group "CTS Approvers". */
    adele: { id: 'f2d8b4a1-a3c5-4e7f-9b26-8d4cae305f72', userPrincipalName: 'AdeleV@contoso.onmicrosoft.com', displayName: 'Adele Vance' },
    /** Plain member, no role. */
    lee: { id: '03e9c5b2-b4d6-4f80-8c37-9e5dbf416083', userPrincipalName: 'LeeG@contoso.onmicrosoft.com', displayName: 'Lee Gu' },
    /** Global Reader (direct). */
    nestor: { id: '14fad6c3-c5e7-4091-9d48-af6e0c527194', userPrincipalName: 'NestorW@contoso.onmicrosoft.com', displayName: 'Nestor Wilke' },
    /** Global Administrator (direct). */
    alex: { id: '250be7d4-d6f8-41a2-8e59-b07f1d6382a5', userPrincipalName: 'AlexW@contoso.onmicrosoft.com', displayName: 'Alex Wilber' },
    /** A B2B guest in Contoso: never in sync scope. */
    guest: {
      id: '361cf8e5-e709-42b3-9f6a-c18a2e7493b6',
      userPrincipalName: 'patti_outlook.com#EXT#@contoso.onmicrosoft.com',
      displayName: 'Patti Fernandez (Guest)',
    },
    // For `why` (docs/why.md); all about contoso-to-fabrikam.
    /** Assigned directly, but disabled. */
    diego: { id: '4a2d0af6-f81a-4c33-a07b-e29b4f96b5c7', userPrincipalName: 'DiegoS@contoso.onmicrosoft.com', displayName: 'Diego Siciliani' },
    /** Assigned directly; a contact in Fabrikam holds his address, so every export fails with a conflict. */
    isaiah: { id: '5b3e1b07-0a2b-4d44-b18c-f3ac5a07c6d8', userPrincipalName: 'IsaiahL@contoso.onmicrosoft.com', displayName: 'Isaiah Langer' },
    /** Assigned directly; matched to a guest in Fabrikam invited from her that is still pending acceptance. */
    johanna: { id: '6c4f2c18-1b3c-4e55-829d-04bd6b18d7e9', userPrincipalName: 'JohannaL@contoso.onmicrosoft.com', displayName: 'Johanna Lorenz' },
    /** Only in "Sync - Fabrikam Contractors", a group nested in the assigned "Sync - Fabrikam": not synced. */
    lynne: { id: '7d503d29-2c4d-4f66-93ae-15ce7c29e8fa', userPrincipalName: 'LynneR@contoso.onmicrosoft.com', displayName: 'Lynne Robbins' },
  },
  groups: {
    ctsApprovers: { id: '472d09f6-f81a-43c4-a07b-d29b3f85a4c7', displayName: 'CTS Approvers' },
    syncFabrikam: { id: '583e1a07-092b-44d5-b18c-e3ac4096b5d8', displayName: 'Sync - Fabrikam' },
    syncNorthwind: { id: '694f2b18-1a3c-45e6-829d-f4bd51a7c6e9', displayName: 'Sync - Northwind' },
    syncFabrikamContractors: { id: '7a503c29-2b4d-46f7-93ae-05ce62b8d7fa', displayName: 'Sync - Fabrikam Contractors' },
    fabrikamToNorthwind: { id: '8b614d3a-3c5e-4708-a4bf-16df73c9e80b', displayName: 'Partners - Northwind' },
  },
  configurations: {
    contosoToFabrikam: {
      name: 'contoso-to-fabrikam',
      servicePrincipalId: '9c725e4b-4d6f-4819-b5c0-27e084dafa1c',
      jobId: 'Azure2Azure.3f1c0d9e8b7a46c5a4d3e2f1b0c9d8e7.9c725e4b4d6f4819b5c027e084dafa1c',
    },
    contosoToNorthwind: {
      name: 'contoso-to-northwind',
      servicePrincipalId: 'ad836f5c-5e70-492a-86d1-38f195ebab2d',
      jobId: 'Azure2Azure.4a2d1e0f9c8b47d6b5e4f3a2c1d0e9f8.ad836f5c5e70492a86d138f195ebab2d',
    },
    fabrikamToNorthwind: {
      name: 'fabrikam-to-northwind',
      servicePrincipalId: 'be94706d-6f81-4a3b-97e2-49a206fcbc3e',
      jobId: 'Azure2Azure.5b3e2f1a0d9c48e7c6f5a4b3d2e1f0a9.be94706d6f814a3b97e249a206fcbc3e',
    },
  },
  /** Delete threshold on every demo job (SyncNotificationSettings.DeleteThresholdValue). */
  deleteThreshold: 20,
} as const;
