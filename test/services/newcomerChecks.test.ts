import { parseEstate, type Estate } from '../../src/config';
import { ManualClock } from '../../src/domain/clock';
import { createCtsGraph, type CtsGraph } from '../../src/graph';
import { Configurations } from '../../src/services/configurations';
import { DYNAMIC_SAMPLE, NewcomerChecks, TARGET_FACTS_TTL_MS } from '../../src/services/newcomerChecks';
import { DEMO, startSimulator, type RunningSimulator } from '../../src/simulator';
import { DYNAMIC } from '../../src/simulator/dynamicGroups';

/** Issue 14 item 2: the checks over Graph served by the simulator (the real Graph client, over HTTP). */
describe('newcomer checks against the simulator', () => {
  let sim: RunningSimulator;
  let estate: Estate;
  const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
  const nestor = {
    id: DEMO.users.nestor.id,
    displayName: DEMO.users.nestor.displayName,
    userPrincipalName: DEMO.users.nestor.userPrincipalName,
    mail: DEMO.users.nestor.userPrincipalName,
  };

  beforeAll(async () => {
    sim = await startSimulator({ cycleIntervalMs: null });
    const parsed = parseEstate(sim.estate());
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    estate = parsed.estate;
  });
  afterAll(() => sim.close());

  const checksWith = (graph: CtsGraph, protectedNames: string[] = []) =>
    new NewcomerChecks({ graph, configs: new Configurations(estate, graph), clock, protectedNames });
  const config = (name: string) => estate.configurations.find((c) => c.name === name)!;

  it('more accounts than the dynamic-group sample: the approver is told how many were checked', async () => {
    const many = Array.from({ length: DYNAMIC_SAMPLE + 1 }, (_, i) => ({
      ...nestor,
      id: i === 0 ? nestor.id : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    }));
    const r = await checksWith(createCtsGraph(estate)).check(config(DEMO.configurations.contosoToNorthwind.name), many);
    expect(r.unchecked).toContain(`Dynamic groups were checked for the first ${DYNAMIC_SAMPLE} of ${DYNAMIC_SAMPLE + 1} accounts only.`);
  });

  it('Northwind: a rule the bot cannot evaluate is said so, with the reason', async () => {
    const r = await checksWith(createCtsGraph(estate)).check(config(DEMO.configurations.contosoToNorthwind.name), [nestor]);
    expect(r.unchecked).toEqual([]);
    expect(r.lookalikes).toEqual([]);
    expect(r.dynamicGroups).toEqual([
      expect.objectContaining({ groupName: DYNAMIC.e5.displayName, verdict: 'cannotEvaluate', reason: 'it uses the -any operator' }),
    ]);
  });

  it('Fabrikam: the rule the account meets is a match, the rules it does not meet are silent, the admin pool is read with the app role it grants', async () => {
    const graph = createCtsGraph(estate);
    const groups = await graph.dynamicGroupFacts!(DEMO.tenants.fabrikam.id);
    expect(groups.find((g) => g.id === DYNAMIC.privilegedPool.id)).toMatchObject({
      isAssignableToRole: false,
      appRoleAssignments: [DYNAMIC.onboardingApp.displayName],
      directoryRoles: [],
    });
    const r = await checksWith(graph).check(config(DEMO.configurations.contosoToFabrikam.name), [nestor]);
    expect(r.dynamicGroups.map((d) => [d.groupName, d.verdict])).toEqual([[DYNAMIC.onboarding.displayName, 'match']]);
  });

  it('a protected name in the estate warns; a read that fails is named, not thrown; reads are cached on the clock', async () => {
    const real = createCtsGraph(estate);
    let roleReads = 0;
    let failRoles = true;
    const graph = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'roleHolders') {
          return async (...args: Parameters<NonNullable<CtsGraph['roleHolders']>>) => {
            roleReads++;
            if (failRoles) throw new Error('Insufficient privileges to complete the operation.');
            return target.roleHolders!(...args);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const checks = checksWith(graph, ['Nest0r Wilke']);
    const c2f = config(DEMO.configurations.contosoToFabrikam.name);
    const first = await checks.check(c2f, [nestor]);
    expect(first.unchecked).toEqual([
      "Look-alike names were not compared with Fabrikam's privileged accounts: Insufficient privileges to complete the operation.",
    ]);
    expect(first.lookalikes).toEqual([expect.objectContaining({ field: 'displayName', resembles: 'Nest0r Wilke', standing: 'protected name' })]);
    failRoles = false;
    await checks.check(c2f, [nestor]); // the failure was not cached
    await checks.check(c2f, [nestor]); // the answer is
    expect(roleReads).toBe(2);
    clock.advance(TARGET_FACTS_TTL_MS);
    await checks.check(c2f, [nestor]);
    expect(roleReads).toBe(3);
  });
});
