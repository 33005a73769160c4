import { SimError } from '../engine';
import { collection, notFound, route, single, type Route } from '../graphHttp';
import type { SimContact } from '../model';

/** GET /contacts (orgContact): list with the one lambda filter the bot sends, and get by id. */

/** `proxyAddresses/any(p:p eq 'smtp:x@y')`: the orgContact page documents eq through `any`; the filter engine has no lambdas. */
const PROXY_ANY = /^proxyAddresses\/any\((\w+):\1 eq '((?:[^']|'')*)'\)$/i;

function contactJson(c: SimContact): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.orgContact', id: c.id, displayName: c.displayName, mail: c.mail, proxyAddresses: [...c.proxyAddresses] };
}

export const contactRoutes: Route[] = [
  route('GET', '/contacts', (req) => {
    let contacts = [...(req.tenant.contacts?.values() ?? [])];
    const m = PROXY_ANY.exec(req.query.get('$filter') ?? '');
    if (m) {
      // Directory string comparisons ignore case (proxy addresses included); the SMTP:/smtp: prefix marks primary or not.
      const wanted = m[2].replace(/''/g, "'").toLowerCase();
      contacts = contacts.filter((c) => c.proxyAddresses.some((p) => p.toLowerCase() === wanted));
      req.query.delete('$filter');
    } else if (/proxyAddresses/i.test(req.query.get('$filter') ?? '')) {
      throw new SimError(400, 'Request_UnsupportedQuery', "Unsupported query on proxyAddresses: use proxyAddresses/any(p:p eq 'smtp:address').");
    }
    return collection(req, contacts.map(contactJson), {
      context: 'contacts',
      filterable: ['id', 'displayName', 'mail'],
      countNeedsEventual: true,
      resourceName: 'orgContact',
    });
  }),
  route('GET', '/contacts/:id', (req, [id]) => {
    const c = req.tenant.contacts?.get(id.toLowerCase());
    if (!c) throw notFound(id);
    return single(req, contactJson(c), 'contacts');
  }),
];
