import type { OrgContact, User } from '@microsoft/microsoft-graph-types';
import { z } from 'zod';
import type { TenantGraph } from './client';
import { guidSegment, odataString } from './odata';
import { DirectoryObjectSchema, pageOf } from './schemas';

/** The reads only `why` needs: a user's group memberships (direct and transitive) and target-side look-alikes. */

export interface MembershipGroup {
  id: string;
  displayName: string | null;
}

/** orgContact (LM orgcontact resource): proxyAddresses supports $filter eq through `any`. */
const OrgContactSchema = z
  .object({
    id: z.string(),
    displayName: z.string().nullish(),
    mail: z.string().nullish(),
    proxyAddresses: z
      .array(z.string())
      .nullish()
      .transform((v) => v ?? undefined),
  })
  .passthrough();
export type TargetContact = Pick<OrgContact, 'displayName' | 'mail' | 'proxyAddresses'> & { id: string };
// The validated shape is the Graph type's (checked at compile time).
const _contactFits = (c: z.output<typeof OrgContactSchema>): TargetContact => c;
void _contactFits;

const TargetUserSchema = z
  .object({
    id: z.string(),
    displayName: z.string().nullish(),
    userPrincipalName: z.string().nullish(),
    mail: z.string().nullish(),
    userType: z.string().nullish(),
    externalUserState: z.string().nullish(),
  })
  .passthrough();
export type TargetUser = Pick<User, 'displayName' | 'userPrincipalName' | 'mail' | 'userType' | 'externalUserState'> & { id: string };
const _userFits = (u: z.output<typeof TargetUserSchema>): TargetUser => u;
void _userFits;

const TARGET_USER_FIELDS = 'id,displayName,userPrincipalName,mail,userType,externalUserState';

export class WhyReads {
  constructor(private readonly g: TenantGraph) {}

  /** Groups the user is a member of: `memberOf` (direct) or `transitiveMemberOf` (through nesting too); roles dropped. */
  async memberOf(userId: string, transitive: boolean): Promise<MembershipGroup[]> {
    const op = `read the ${transitive ? 'transitive ' : ''}groups of user ${userId}`;
    const rel = transitive ? 'transitiveMemberOf' : 'memberOf';
    const all = await this.g.getAll(`/users/${guidSegment(userId, 'user id', op)}/${rel}`, DirectoryObjectSchema, op, { $select: 'id,displayName' });
    return all.filter((o) => !o['@odata.type'] || o['@odata.type'] === '#microsoft.graph.group').map((o) => ({ id: o.id, displayName: o.displayName ?? null }));
  }

  /**
   * Users holding this address as mail or UPN (members, guests pending acceptance…). `mail` and `userPrincipalName`
   * both support `eq` in a default query (LM user resource).
   */
  async usersWithAddress(address: string): Promise<TargetUser[]> {
    const op = `look up users with the address ${address}`;
    const lit = odataString(address);
    const page = await this.g.get('/users', pageOf(TargetUserSchema), op, {
      $filter: `mail eq ${lit} or userPrincipalName eq ${lit}`,
      $select: TARGET_USER_FIELDS,
      $top: 10,
    });
    return page.value;
  }

  /**
   * Organizational contacts holding `smtp:<address>` among their proxy addresses. The orgContact page documents
   * `proxyAddresses/any(...)` with `eq`, and says some filters need the advanced-query header: sent with it, which
   * Graph accepts for the default ones too.
   */
  async contactsWithAddress(address: string): Promise<TargetContact[]> {
    const op = `look up contacts with the proxy address ${address}`;
    const page = await this.g.get(
      '/contacts',
      pageOf(OrgContactSchema),
      op,
      { $filter: `proxyAddresses/any(p:p eq ${odataString(`smtp:${address}`)})`, $select: 'id,displayName,mail,proxyAddresses', $top: 10, $count: 'true' },
      { ConsistencyLevel: 'eventual' },
    );
    return page.value;
  }
}
