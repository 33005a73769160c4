import { parseEstate } from '../../src/config';

/** Issue 14 item 2: the estate's protectedNames list, validated with messages that say what to write. */
const base = {
  homeTenantId: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31',
  tenants: [
    { id: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31', name: 'Contoso', graphBaseUrl: 'http://127.0.0.1:1/a/v1.0' },
    { id: 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42', name: 'Fabrikam', graphBaseUrl: 'http://127.0.0.1:1/b/v1.0' },
  ],
  configurations: [
    {
      name: 'c2f',
      sourceTenantId: 'a5f2c9d1-3b7e-4c8a-9f16-2d4e8b0c7a31',
      targetTenantId: 'b6e3d0e2-4c8f-4d9b-8a27-3e5f9c1d8b42',
      servicePrincipalId: '9c725e4b-4d6f-4819-b5c0-27e084dafa1c',
    },
  ],
};

describe('estate protectedNames', () => {
  it('defaults to none, and keeps the names trimmed', () => {
    const none = parseEstate(base);
    expect(none.ok && none.estate.protectedNames).toEqual([]);
    const some = parseEstate({ ...base, protectedNames: [' Satya Nadella ', 'satyan'] });
    expect(some.ok && some.estate.protectedNames).toEqual(['Satya Nadella', 'satyan']);
  });

  it.each([
    ['Satya Nadella', 'protectedNames must be a list of names'],
    [['x'], 'at least 2 characters'],
    [[42], 'names as strings'],
  ])('%j is refused with a clear message', (value, message) => {
    const r = parseEstate({ ...base, protectedNames: value });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.map((p) => JSON.stringify(p)).join(' ')).toContain(message);
  });
});
