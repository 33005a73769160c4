import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GRAPH_PERMISSIONS, permissionTable } from '../../src/graph/permissions';

/** Issue 10 defect 3: the README's permission table is the one list in code, and names what the guide omits. */
test('the README permission table is rendered from GRAPH_PERMISSIONS', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme).toContain(permissionTable());
  const home = GRAPH_PERMISSIONS.map((r) => r.home ?? '').join(' ');
  const target = GRAPH_PERMISSIONS.map((r) => r.target ?? '').join(' ');
  expect(home).toContain('RoleManagement.Read.Directory');
  expect(target).toContain('Policy.Read.All');
});
