import type { Client } from '@microsoft/microsoft-graph-client';
import type { OrgContact, User } from '@microsoft/microsoft-graph-types';
import { DEMO, type RunningSimulator } from '../../src/simulator';
import { WHY_DEMO } from '../../src/simulator/whyDemo';
import { getAs, type Page } from '../harness/json';
import { control, graphFor, withSim } from './helpers';

const C = DEMO.tenants.contoso.id;
const F = DEMO.tenants.fabrikam.id;
const cfg = DEMO.configurations.contosoToFabrikam;

/** Issue 14 item 4: per-user provisioning-log entries with the documented steps, contacts and pending guests. */
describe('simulator data for why', () => {
  let sim: RunningSimulator;
  let contoso: Client;
  let fabrikam: Client;
  beforeEach(async () => {
    ({ sim } = await withSim());
    contoso = graphFor(sim, C);
    fabrikam = graphFor(sim, F);
  });
  afterEach(() => sim.close());

  type Step = { name: string; provisioningStepType: string; status: string; description: string; details: Record<string, string> };
  type Log = {
    provisioningAction: string;
    sourceIdentity: { id: string };
    targetIdentity: { id: string };
    provisioningSteps: Step[];
    provisioningStatusInfo: { status: string; errorInformation: { errorCode: string; reason: string } | null };
  };
  const logsOf = async (userId: string): Promise<Log[]> => {
    const page = await getAs<Page<Log>>(contoso.api('/auditLogs/provisioning').filter(`jobId eq '${cfg.jobId}'`).orderby('activityDateTime desc').top(999));
    return page.value.filter((l) => l.sourceIdentity.id === userId);
  };

  it('a create blocked by a contact holding the address fails at export with a conflict code, every cycle', async () => {
    const [entry] = await logsOf(DEMO.users.isaiah.id);
    expect(entry.provisioningAction).toBe('create');
    expect(entry.provisioningStatusInfo.status).toBe('failure');
    expect(entry.provisioningStatusInfo.errorInformation?.errorCode).toBe('AzureActiveDirectoryConflict');
    expect(entry.provisioningSteps.map((s) => [s.provisioningStepType, s.status])).toEqual([
      ['import', 'success'],
      ['scoping', 'success'],
      ['matching', 'success'],
      ['export', 'failure'],
    ]);
    expect(entry.provisioningSteps[3]).toMatchObject({ name: 'EntryExportAdd', details: { errorCode: 'AzureActiveDirectoryConflict' } });
    expect(entry.provisioningSteps[3].description).toContain(WHY_DEMO.contactId);
    await control(sim, 'POST', `/_sim/tenants/${C}/jobs/${cfg.jobId}/cycle`);
    expect(await logsOf(DEMO.users.isaiah.id)).toHaveLength(2);
  });

  it('a guest of an assigned group is skipped at scoping, logged once', async () => {
    const [entry, ...rest] = await logsOf(DEMO.users.guest.id);
    expect(rest).toEqual([]);
    expect(entry.provisioningStatusInfo.status).toBe('skipped');
    expect(entry.provisioningSteps.map((s) => [s.name, s.status])).toEqual([
      ['EntryImport', 'success'],
      ['EntrySynchronizationScoping', 'skipped'],
    ]);
    expect(entry.provisioningSteps[1].details).toEqual({ ScopeEvaluationResult: 'NotEffectivelyEntitled' });
    await control(sim, 'POST', `/_sim/tenants/${C}/jobs/${cfg.jobId}/cycle`);
    expect(await logsOf(DEMO.users.guest.id)).toHaveLength(1);
  });

  it('a guest invited from the source user is matched, not duplicated, and stays a guest pending acceptance', async () => {
    const [entry] = await logsOf(DEMO.users.johanna.id);
    expect(entry).toMatchObject({
      provisioningAction: 'update',
      targetIdentity: { id: WHY_DEMO.pendingGuestId },
      provisioningStatusInfo: { status: 'success' },
    });
    const guest = await getAs<User>(fabrikam.api(`/users/${WHY_DEMO.pendingGuestId}`));
    expect(guest).toMatchObject({ userType: 'Guest', externalUserState: 'PendingAcceptance', creationType: 'Invitation', department: 'Sales' });
    const sameMail = await getAs<Page<User>>(fabrikam.api('/users').filter(`mail eq '${DEMO.users.johanna.userPrincipalName}'`));
    expect(sameMail.value).toHaveLength(1);
  });

  it('GET /contacts answers proxyAddresses/any(...) eq, ignoring case, and refuses other proxyAddresses filters', async () => {
    const hit = await getAs<Page<OrgContact>>(
      fabrikam
        .api('/contacts')
        .header('ConsistencyLevel', 'eventual')
        .query({ $count: 'true' })
        .filter(`proxyAddresses/any(p:p eq 'smtp:isaiahl@contoso.onmicrosoft.com')`),
    );
    expect(hit.value).toEqual([
      {
        '@odata.type': '#microsoft.graph.orgContact',
        id: WHY_DEMO.contactId,
        displayName: 'Isaiah Langer (Contoso)',
        mail: DEMO.users.isaiah.userPrincipalName,
        proxyAddresses: [`SMTP:${DEMO.users.isaiah.userPrincipalName}`],
      },
    ]);
    const miss = await getAs<Page<OrgContact>>(fabrikam.api('/contacts').filter(`proxyAddresses/any(p:p eq 'smtp:nobody@contoso.onmicrosoft.com')`));
    expect(miss.value).toEqual([]);
    await expect(fabrikam.api('/contacts').filter(`startswith(proxyAddresses,'smtp')`).get()).rejects.toMatchObject({ statusCode: 400 });
  });
});
