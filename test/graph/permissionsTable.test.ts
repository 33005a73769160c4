import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GRAPH_PERMISSIONS, permissionTable } from '../../src/graph/permissions';

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
