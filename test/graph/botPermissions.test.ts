import type { ZodType, ZodTypeDef } from 'zod';
import type { TenantGraph } from '../../src/graph/client';
import { DoctorReads } from '../../src/graph/doctorReads';
import { GraphError } from '../../src/graph/errors';
import { MICROSOFT_GRAPH_APP_ID } from '../../src/graph/permissions';

/** Issue 13 item 4: the bot's permissions are named by the tenant's own Microsoft Graph service principal (appRoles). */
describe('DoctorReads.botPermissions names app roles from Microsoft Graph’s service principal', () => {
  const BOT_APP = '5e1d0c7a-0b07-4c75-8a11-000000000b07';
  const BOT_SP = 'b0700000-0000-4000-8000-000000000001';
  const GRAPH_SP = '9a700000-0000-4000-8000-000000000001';
  // An id the built-in table does not know, named only by the tenant's Graph service principal.
  const NEW_ROLE = '0e0e0e0e-1111-4222-8333-444444444444';
  const USER_READ_ALL = 'df021288-bdef-4463-88db-98f22de89214';
  const assignment = (appRoleId: string, resourceId: string) => ({
    id: `a-${appRoleId}`,
    principalId: BOT_SP,
    resourceId,
    appRoleId,
    createdDateTime: '2024-01-01T00:00:00Z',
  });

  function stub(graphSp: 'ok' | 'forbidden'): TenantGraph {
    return {
      get: <T>(path: string, schema: ZodType<T, ZodTypeDef, unknown>): Promise<T> => {
        if (path.includes(BOT_APP)) return Promise.resolve(schema.parse({ id: BOT_SP, appId: BOT_APP }));
        if (path.includes(MICROSOFT_GRAPH_APP_ID)) {
          if (graphSp === 'forbidden') return Promise.reject(new GraphError({ operation: 'read', status: 403, code: 'Authorization_RequestDenied' }));
          return Promise.resolve(
            schema.parse({
              id: GRAPH_SP,
              appRoles: [
                { id: NEW_ROLE, value: 'Policy.Read.All' },
                { id: USER_READ_ALL, value: 'User.Read.All' },
              ],
            }),
          );
        }
        return Promise.reject(new Error(`unexpected GET ${path}`));
      },
      getAll: <T>(_path: string, schema: ZodType<T, ZodTypeDef, unknown>): Promise<T[]> =>
        Promise.resolve(
          [assignment(NEW_ROLE, GRAPH_SP), assignment(USER_READ_ALL, GRAPH_SP), assignment(USER_READ_ALL, 'another-resource-sp')].map((a) => schema.parse(a)),
        ),
    } as unknown as TenantGraph;
  }

  it('uses appRoles by value and counts only assignments to Microsoft Graph', async () => {
    const perms = await new DoctorReads(stub('ok')).botPermissions(BOT_APP);
    expect(perms).toEqual({ servicePrincipalId: BOT_SP, granted: ['Policy.Read.All', 'User.Read.All'] });
  });

  it('falls back to the id table when Graph’s service principal cannot be read (an unknown id stays an id)', async () => {
    const perms = await new DoctorReads(stub('forbidden')).botPermissions(BOT_APP);
    expect(perms!.granted).toEqual([NEW_ROLE, 'User.Read.All']);
  });
});
