import type { Client } from '@microsoft/microsoft-graph-client';
import type {
  AppRoleAssignment,
  CrossTenantAccessPolicyConfigurationPartner,
  CrossTenantIdentitySyncPolicyPartner,
  DirectoryRole,
  ServicePrincipal,
  UnifiedRoleAssignment,
  User,
} from '@microsoft/microsoft-graph-types';
import { getAs, postAs, type Page } from '../harness/json';
import { ROLE } from '../../src/domain/roles';
import { DEMO, type RunningSimulator } from '../../src/simulator';
import { quoteODataString } from '../../src/simulator/odata/filter';
import { graphError, graphFor, relativeLink, withSim } from './helpers';

const C = DEMO.tenants.contoso.id;
const cfg = DEMO.configurations.contosoToFabrikam;
/** A directory object as a member list names it: id and OData type. */
type Member = { id: string; '@odata.type': string };

describe('simulator directory over Graph HTTP', () => {
  let sim: RunningSimulator;
  let g: Client;
  beforeAll(async () => {
    ({ sim } = await withSim());
    g = graphFor(sim, C);
  });
  afterAll(() => sim.close());

  it("answers 401 in Graph's envelope without a bearer token, with a request-id header", async () => {
    const r = await fetch(`${sim.url}/${C}/v1.0/users`);
    expect(r.status).toBe(401);
    expect(r.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await r.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['request-id']).toBe(r.headers.get('request-id'));
  });

  it('answers 404 for unknown paths and missing users, 400 for bad bodies', async () => {
    expect(await graphError(g.api('/nothingHere').get())).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect(await graphError(g.api('/users/00000000-0000-0000-0000-000000000000').get())).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
    expect(await graphError(g.api(`/servicePrincipals/${cfg.servicePrincipalId}/appRoleAssignedTo`).post({ principalId: 5 }))).toMatchObject({
      statusCode: 400,
      code: 'Request_BadRequest',
    });
  });

  it('gets users by id and by UPN, with $select', async () => {
    const byUpn = await getAs<User>(g.api(`/users/${encodeURIComponent(DEMO.users.megan.userPrincipalName)}`).select(['id', 'displayName']));
    expect(byUpn).toMatchObject({ id: DEMO.users.megan.id, displayName: 'Megan Bowen' });
    expect(byUpn.userPrincipalName).toBeUndefined();
    const guest = await getAs<User>(g.api(`/users/${DEMO.users.guest.id}`));
    expect(guest.userType).toBe('Guest');
  });

  it('pages through every user with @odata.nextLink and agrees with $count', async () => {
    const counted = await getAs<Page<User>>(g.api('/users').header('ConsistencyLevel', 'eventual').count(true).top(1));
    const seen = new Set<string>();
    let page = await getAs<Page<{ id: string }>>(g.api('/users').select('id'));
    let pages = 1;
    for (;;) {
      expect(page.value.length).toBeLessThanOrEqual(10);
      page.value.forEach((u) => seen.add(u.id));
      const next = page['@odata.nextLink'];
      if (!next) break;
      page = await getAs<Page<{ id: string }>>(g.api(relativeLink(sim, C, next)));
      pages++;
    }
    expect(seen.size).toBe(counted['@odata.count']);
    expect(pages).toBe(Math.ceil(seen.size / 10));
  });

  it('requires ConsistencyLevel: eventual for $count', async () => {
    expect(await graphError(g.api('/users').count(true).get())).toMatchObject({ statusCode: 400 });
  });

  it('filters with eq and startswith, and a quote in a value cannot change the filter', async () => {
    const members = await getAs<Page<User>>(g.api('/users').filter("userType eq 'Member' and accountEnabled eq false").top(999));
    // 15 generated disabled members plus Diego Siciliani, the `why` demo's disabled user.
    expect(members.value).toHaveLength(16);
    expect(members.value.every((u) => u.userType === 'Member' && !u.accountEnabled)).toBe(true);

    const apostrophe = await getAs<Page<User>>(g.api('/users').filter("startswith(displayName,'D''Arcy')").top(999));
    expect(apostrophe.value.map((u) => u.displayName)).toEqual(["D'Arcy Novak"]);
    const upn = apostrophe.value[0].userPrincipalName as string;
    const exact = await getAs<Page<User>>(g.api('/users').filter(`userPrincipalName eq ${encodeURIComponent(quoteODataString(upn))}`));
    expect(exact.value.map((u) => u.userPrincipalName)).toEqual([upn]);

    const hostile = `x' or userType eq 'Member`;
    const injected = await getAs<Page<User>>(g.api('/users').filter(`userPrincipalName eq ${encodeURIComponent(quoteODataString(hostile))}`));
    expect(injected.value).toEqual([]);
    // Without escaping, the same text becomes a different filter that returns every member: what escaping prevents.
    const unescaped = await getAs<Page<User>>(g.api('/users').filter(`userPrincipalName eq '${encodeURIComponent(hostile)}'`));
    expect(unescaped.value).toHaveLength(10);
    expect(unescaped.value.every((u) => u.userType === 'Member')).toBe(true);
  });

  it('rejects filters on unsupported properties', async () => {
    expect(await graphError(g.api('/users').filter("officeLocation eq 'x'").get())).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
  });

  it('lists group members with types, direct vs transitive, and $count as text', async () => {
    const direct = await getAs<Page<Member>>(g.api(`/groups/${DEMO.groups.syncFabrikam.id}/members`).top(999));
    const types = new Set(direct.value.map((m) => m['@odata.type']));
    expect(types).toEqual(new Set(['#microsoft.graph.user', '#microsoft.graph.group']));
    const transitive = await getAs<Page<Member>>(g.api(`/groups/${DEMO.groups.syncFabrikam.id}/transitiveMembers`).top(999));
    expect(transitive.value.length).toBeGreaterThan(direct.value.length);
    const r = await fetch(`${sim.url}/${C}/v1.0/groups/${DEMO.groups.syncFabrikam.id}/members/$count`, {
      headers: { Authorization: 'Bearer t', ConsistencyLevel: 'eventual' },
    });
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(Number(await r.text())).toBe(direct.value.length);
    const noHeader = await fetch(`${sim.url}/${C}/v1.0/groups/${DEMO.groups.syncFabrikam.id}/members/$count`, { headers: { Authorization: 'Bearer t' } });
    expect(noHeader.status).toBe(400);
  });

  it('resolves roles: direct for Megan, through the role-assignable CTS Approvers group for Adele, none for Lee', async () => {
    const roles = async (id: string) =>
      (
        await getAs<Page<DirectoryRole>>(
          g.api(`/users/${id}/transitiveMemberOf/microsoft.graph.directoryRole`).header('ConsistencyLevel', 'eventual').query({ $count: 'true' }),
        )
      ).value.map((r) => r.roleTemplateId);
    expect(await roles(DEMO.users.megan.id)).toEqual([ROLE.hybridIdentityAdministrator]);
    expect(await roles(DEMO.users.adele.id)).toEqual([ROLE.applicationAdministrator]);
    expect(await roles(DEMO.users.lee.id)).toEqual([]);
    expect(await roles(DEMO.users.nestor.id)).toEqual([ROLE.globalReader]);
    // An OData cast on transitiveMemberOf is an advanced query: both ConsistencyLevel: eventual and $count=true.
    const cast = `/users/${DEMO.users.megan.id}/transitiveMemberOf/microsoft.graph.directoryRole`;
    expect(await graphError(g.api(cast).get())).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    expect(await graphError(g.api(cast).header('ConsistencyLevel', 'eventual').get())).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    expect(await graphError(g.api(cast).query({ $count: 'true' }).get())).toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    const direct = await getAs<Page<Member>>(g.api(`/users/${DEMO.users.adele.id}/memberOf`));
    expect(direct.value.some((o) => o['@odata.type'] === '#microsoft.graph.directoryRole')).toBe(false);
    const adeleAssignments = await getAs<Page<UnifiedRoleAssignment>>(
      g.api('/roleManagement/directory/roleAssignments').filter(`principalId eq '${DEMO.users.adele.id}'`),
    );
    expect(adeleAssignments.value).toEqual([]); // group-based roles show the group as principal
  });

  it('creates and deletes role assignments through Graph', async () => {
    const created = await postAs<UnifiedRoleAssignment>(g.api('/roleManagement/directory/roleAssignments'), {
      principalId: DEMO.users.lee.id,
      roleDefinitionId: ROLE.securityAdministrator,
      directoryScopeId: '/',
    });
    expect(created.id).toMatch(/\S/);
    expect(created).toMatchObject({ principalId: DEMO.users.lee.id, roleDefinitionId: ROLE.securityAdministrator, directoryScopeId: '/' });
    const list = await getAs<Page<UnifiedRoleAssignment>>(g.api('/roleManagement/directory/roleAssignments').filter(`principalId eq '${DEMO.users.lee.id}'`));
    expect(list.value.map((a) => a.roleDefinitionId)).toEqual([ROLE.securityAdministrator]);
    const megan = await getAs<Page<UnifiedRoleAssignment>>(
      g.api('/roleManagement/directory/roleAssignments').filter(`principalId eq '${DEMO.users.megan.id}'`),
    );
    await g.api(`/roleManagement/directory/roleAssignments/${megan.value[0].id}`).delete();
    expect(
      (
        await getAs<Page<DirectoryRole>>(
          g
            .api(`/users/${DEMO.users.megan.id}/transitiveMemberOf/microsoft.graph.directoryRole`)
            .header('ConsistencyLevel', 'eventual')
            .query({ $count: 'true' }),
        )
      ).value,
    ).toEqual([]);
    await g.api(`/roleManagement/directory/roleAssignments/${created.id}`).delete();
  });

  it('exposes the CTS service principal with msiam_access and validates app role assignments', async () => {
    const sp = await getAs<ServicePrincipal>(g.api(`/servicePrincipals/${cfg.servicePrincipalId}`));
    // msiam_access is the displayName; its value is null, and a second unrelated role sits beside it (CTS Graph guide, step 6).
    const role = sp.appRoles?.find((r) => r.displayName === 'msiam_access');
    expect(role?.value).toBeNull();
    expect(sp.appRoles?.length).toBeGreaterThan(1);
    expect(role?.allowedMemberTypes).toEqual(['User']);
    const body = { principalId: DEMO.users.lee.id, resourceId: sp.id, appRoleId: role?.id };
    const a = await postAs<AppRoleAssignment>(g.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`), body);
    expect(a).toMatchObject({ principalType: 'User', principalDisplayName: 'Lee Gu', resourceId: sp.id, appRoleId: role?.id });
    const dup = await graphError(g.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).post(body));
    expect(dup.statusCode).toBe(400);
    expect(JSON.stringify(dup)).toContain('Permission being assigned already exists on the object');
    expect(
      (await graphError(g.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).post({ ...body, appRoleId: '11111111-1111-1111-1111-111111111111' })))
        .statusCode,
    ).toBe(400);
    expect(
      (await graphError(g.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).post({ ...body, principalId: '11111111-1111-1111-1111-111111111111' })))
        .statusCode,
    ).toBe(404);
    await g.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo/${a.id}`).delete();
    const left = await getAs<Page<AppRoleAssignment>>(g.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).filter(`principalId eq '${DEMO.users.lee.id}'`));
    expect(left.value).toEqual([]);
  });

  it('reads and changes cross-tenant partner policies', async () => {
    const f = graphFor(sim, DEMO.tenants.fabrikam.id);
    const base = `/policies/crossTenantAccessPolicy/partners/${C}`;
    expect((await getAs<CrossTenantIdentitySyncPolicyPartner>(f.api(`${base}/identitySynchronization`))).userSyncInbound?.isSyncAllowed).toBe(true);
    expect((await graphError(f.api(`${base}/identitySynchronization`).put({ userSyncInbound: { isSyncAllowed: true } }))).statusCode).toBe(409);
    await f.api(base).patch({ automaticUserConsentSettings: { inboundAllowed: false } });
    expect((await getAs<CrossTenantAccessPolicyConfigurationPartner>(f.api(base))).automaticUserConsentSettings?.inboundAllowed).toBe(false);
    const n = graphFor(sim, DEMO.tenants.northwind.id);
    expect((await graphError(n.api('/policies/crossTenantAccessPolicy/partners').post({ tenantId: C }))).statusCode).toBe(409);
  });
});
