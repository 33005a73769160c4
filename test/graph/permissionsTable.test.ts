import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GRAPH_APP_ROLE_IDS, GRAPH_PERMISSIONS, permissionNeeds, permissionTable } from '../../src/graph/permissions';

/** Issue 10 defect 3: the documented permission table is the one list in code, and names what the guide omits. */
// Issue 12 item 6 moved the table from the README to docs/permissions.md (the README links there).
test('the permission table in docs/permissions.md is rendered from GRAPH_PERMISSIONS', () => {
  const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'permissions.md'), 'utf8');
  expect(doc).toContain(permissionTable());
  const home = GRAPH_PERMISSIONS.map((r) => r.home ?? '').join(' ');
  const target = GRAPH_PERMISSIONS.map((r) => r.target ?? '').join(' ');
  expect(home).toContain('RoleManagement.Read.Directory');
  expect(target).toContain('Policy.Read.All');
});

/** Issue 13: doctor compares the bot's app role assignments with `needs`, so `needs` must say what the text says. */
test('every permission in needs is named in the same row and column, and every named permission is needed', () => {
  for (const row of GRAPH_PERMISSIONS) {
    for (const role of ['source', 'home', 'target'] as const) {
      const text = row[role] ?? '';
      const named = [...text.matchAll(/`([A-Za-z]+\.[A-Za-z.]+)`/g)].map((m) => m[1]);
      const needed = (row.needs[role] ?? []).flat();
      for (const p of needed) expect(`${row.for} / ${role}: ${text}`).toContain(p);
      for (const p of named) expect(`${row.for} / ${role}: ${needed.join(', ')}`).toContain(p);
    }
  }
});

test('every needed permission has a Graph app role id, so an assignment can be named', () => {
  const known = new Set(Object.values(GRAPH_APP_ROLE_IDS));
  for (const row of GRAPH_PERMISSIONS) for (const p of Object.values(row.needs).flat(2)) expect(known).toContain(p);
  expect(permissionNeeds('target').map((n) => n.allOf)).toEqual([
    [['Policy.Read.All']],
    [['User.Read.All']],
    // Issue 14: look-alike (privileged role holders) and dynamic-group warnings of add requests.
    [
      ['RoleManagement.Read.Directory', 'Directory.Read.All'],
      ['Group.Read.All', 'Directory.Read.All'],
    ],
    // Issue 13: doctor's dynamic-group check; drift alerts' actor.
    [['GroupMember.Read.All', 'Directory.Read.All']],
    [['AuditLog.Read.All']],
  ]);
});
