import { z } from 'zod';
import { noContent, notFound, parseBody, route, type Route } from '../graphHttp';
import { findUser } from './directory';

/** PATCH /users/{id}: lets tests and demos change a source user (disable, rename) and watch the next cycle. */

const UserPatch = z
  .object({
    accountEnabled: z.boolean().optional(),
    displayName: z.string().min(1).optional(),
    department: z.string().nullable().optional(),
    jobTitle: z.string().nullable().optional(),
    mail: z.string().nullable().optional(),
  })
  .strict();

export const userWriteRoutes: Route[] = [
  route('PATCH', '/users/:id', (req, [id]) => {
    const u = findUser(req.tenant, id);
    if (!u) throw notFound(id);
    Object.assign(u, parseBody(req, UserPatch));
    return noContent();
  }),
];
