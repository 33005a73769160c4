import { PRIVILEGED_ROLES, roleName } from '../../src/domain/roles';
import { differenceInWords, editDistance, findLookalikes, lookalikeText, skeleton, type Newcomer, type PrivilegedTarget } from '../../src/domain/lookalike';
import { SimState } from '../../src/simulator/state';
import type { SimTenant } from '../../src/simulator/model';

const megan: PrivilegedTarget = {
  id: 'ga-1',
  displayName: 'Megan Bowen',
  mail: 'megan@fabrikam.com',
  userPrincipalName: 'megan@fabrikam.com',
  roles: ['Global Administrator'],
};

describe('look-alike names', () => {
  it('a Cyrillic а in a display name resembles the Global Administrator, and says so plainly', () => {
    const n: Newcomer = { id: 'n1', displayName: 'Meg\u0430n Bowen', mail: 'mbowen@contoso.com', userPrincipalName: 'mbowen@contoso.com' };
    const hits = findLookalikes([n], [megan], []);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      field: 'displayName',
      resembles: 'Megan Bowen',
      resemblesId: 'ga-1',
      standing: 'Global Administrator',
      why: 'Cyrillic а in place of a',
    });
    expect(lookalikeText(hits[0], 'Fabrikam')).toBe(
      'Display name Megаn Bowen looks like “Megan Bowen” (Global Administrator in Fabrikam): Cyrillic а in place of a.',
    );
  });

  it('rnegan resembles megan because the UTS #39 skeleton of m is rn (not by edit distance: a 5-letter name gets none)', () => {
    expect(skeleton('m')).toBe('rn');
    expect(skeleton('rnegan')).toBe(skeleton('megan'));
    // Edit distance alone would not flag it: rnegan is two edits from megan, more than a short name is allowed.
    expect(editDistance('rnegan', 'megan')).toBe(2);
    const n: Newcomer = { id: 'n2', displayName: 'Tom Baker', mail: 'rnegan@contoso.com', userPrincipalName: 'rnegan@contoso.com' };
    const hits = findLookalikes([n], [megan], []);
    expect(hits).toEqual([expect.objectContaining({ field: 'mail', value: 'rnegan', resembles: 'Megan Bowen', why: '“rn” in place of m' })]);
  });

  it('the same display name as a target Global Administrator is a warning', () => {
    const n: Newcomer = { id: 'n3', displayName: 'megan  bowen', mail: 'someone@contoso.com', userPrincipalName: 'someone@contoso.com' };
    expect(findLookalikes([n], [megan], [])).toEqual([expect.objectContaining({ field: 'displayName', why: 'the same display name' })]);
  });

  it('a name one edit away from a long protected name is a warning; the protected list is case-insensitive', () => {
    const n: Newcomer = { id: 'n4', displayName: 'Satya Nade11a', mail: 'sn@contoso.com', userPrincipalName: 'sn@contoso.com' };
    const hits = findLookalikes([n], [], ['satya nadella']);
    expect(hits).toEqual([expect.objectContaining({ field: 'displayName', resembles: 'satya nadella', standing: 'protected name' })]);
    expect(lookalikeText(hits[0], 'Fabrikam')).toContain('(a protected name in Fabrikam)');
  });

  it('aliases are compared by skeleton only: asmith is not jsmith, but а Cyrillic jsmith is', () => {
    const jsmith: PrivilegedTarget = {
      id: 'ga-2',
      displayName: 'John Smith',
      mail: 'jsmith@fabrikam.com',
      userPrincipalName: 'jsmith@fabrikam.com',
      roles: ['Global Administrator'],
    };
    const anna: Newcomer = { id: 'n5', displayName: 'Anna Smith', mail: 'asmith@contoso.com', userPrincipalName: 'asmith@contoso.com' };
    expect(findLookalikes([anna], [jsmith], [])).toEqual([]);
    const fake: Newcomer = { id: 'n6', displayName: 'Jo Smyth', mail: 'j\u0455mith@contoso.com', userPrincipalName: 'j\u0455mith@contoso.com' };
    expect(findLookalikes([fake], [jsmith], []).map((h) => h.field)).toEqual(['mail']);
  });

  it('the same person already synced (same mail, or the B2B UPN CTS made from theirs) is not a warning', () => {
    const source: Newcomer = { id: 's1', displayName: 'Megan Bowen', mail: 'MeganB@contoso.com', userPrincipalName: 'MeganB@contoso.com' };
    const synced: PrivilegedTarget = {
      id: 't1',
      displayName: 'Megan Bowen',
      mail: 'meganb@contoso.com',
      userPrincipalName: 'meganb_contoso.com#EXT#@fabrikam.com',
      roles: ['Global Administrator'],
    };
    expect(findLookalikes([source], [synced], [])).toEqual([]);
    expect(findLookalikes([{ ...source, mail: null }], [{ ...synced, mail: null }], [])).toEqual([]);
  });

  it('ordinary distinct names raise nothing', () => {
    const people: Newcomer[] = [
      { id: 'a', displayName: 'Adele Vance', mail: 'adelev@contoso.com', userPrincipalName: 'AdeleV@contoso.com' },
      { id: 'b', displayName: 'Lee Gu', mail: 'leeg@contoso.com', userPrincipalName: 'LeeG@contoso.com' },
      { id: 'c', displayName: 'Megan Smith', mail: 'megan.smith@contoso.com', userPrincipalName: 'megan.smith@contoso.com' },
      { id: 'd', displayName: 'Ian', mail: 'ian@contoso.com', userPrincipalName: 'ian@contoso.com' },
    ];
    expect(
      findLookalikes(people, [megan, { id: 'x', displayName: 'Jan', userPrincipalName: 'jan@fabrikam.com', roles: ['User Administrator'] }], ['Satya Nadella']),
    ).toEqual([]);
  });

  it('describes what differs', () => {
    expect(differenceInWords('AIex', 'Alex')).toBe('“i” in place of l');
    expect(differenceInWords('Megan Bowen', 'Megan Bowen')).toBe('the same apart from letter case');
    expect(differenceInWords('Megann', 'Megan')).toBe('“n” added');
    expect(differenceInWords('Mgan', 'Megan')).toBe('“e” left out');
    expect(differenceInWords('Mеgan', 'Megan')).toBe('Cyrillic е in place of e');
  });

  it('the demo estate raises no warning: every source member against every privileged user of its target', () => {
    const state = new SimState(42, 'demo', { now: () => Date.parse('2026-01-05T00:00:00Z') });
    const world = state.world;
    const privilegedOf = (t: SimTenant): PrivilegedTarget[] => {
      const out: PrivilegedTarget[] = [];
      for (const a of t.roleAssignments.values()) {
        if (!PRIVILEGED_ROLES.has(a.roleDefinitionId)) continue;
        const holders = t.users.has(a.principalId) ? [a.principalId] : (t.groups.get(a.principalId)?.members ?? []);
        for (const id of holders) {
          const u = t.users.get(id);
          if (u)
            out.push({ id: u.id, displayName: u.displayName, mail: u.mail, userPrincipalName: u.userPrincipalName, roles: [roleName(a.roleDefinitionId)] });
        }
      }
      return out;
    };
    let pairs = 0;
    for (const c of world.configurations) {
      const source = world.tenants.get(c.sourceTenantId)!;
      const target = world.tenants.get(c.targetTenantId)!;
      const newcomers = [...source.users.values()].filter((u) => u.userType === 'Member');
      const privileged = privilegedOf(target);
      pairs += newcomers.length * privileged.length;
      expect(findLookalikes(newcomers, privileged, [])).toEqual([]);
    }
    // Every source user also against every privileged user of EVERY other tenant, so the check is not vacuous.
    for (const s of world.tenants.values()) {
      for (const t of world.tenants.values()) {
        if (s === t) continue;
        const newcomers = [...s.users.values()].filter((u) => u.userType === 'Member');
        const privileged = privilegedOf(t);
        pairs += newcomers.length * privileged.length;
        expect(findLookalikes(newcomers, privileged, [])).toEqual([]);
      }
    }
    expect(pairs).toBeGreaterThan(500);
  });
});
