import { isLoopbackHost } from './net';

/**
 * Which sign-in (authority) hosts go with which Microsoft Graph hosts. Each national cloud is a separate identity
 * system: a token from login.microsoftonline.us is worthless at graph.microsoft.com and vice versa, so a tenant
 * whose pair does not match would only fail at the first Graph call. Source: learn.microsoft.com/graph/deployments
 * (app registration and token service root endpoints; Microsoft Graph service root endpoints).
 */
export interface Cloud {
  name: string;
  /** The first is the one used when a tenant names only its Graph host. */
  authorityHosts: readonly string[];
  graphHosts: readonly string[];
}

export const CLOUDS: readonly Cloud[] = [
  { name: 'the commercial (global) cloud', authorityHosts: ['login.microsoftonline.com'], graphHosts: ['graph.microsoft.com'] },
  { name: 'US Government (GCC High, DoD)', authorityHosts: ['login.microsoftonline.us'], graphHosts: ['graph.microsoft.us', 'dod-graph.microsoft.us'] },
  // login.chinacloudapi.cn is the documented host (and @azure/identity's AzureChina); login.partner.microsoftonline.cn is its older alias.
  {
    name: 'Azure China (21Vianet)',
    authorityHosts: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
    graphHosts: ['microsoftgraph.chinacloudapi.cn'],
  },
];

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

export function cloudOfGraph(graphBaseUrl: string): Cloud | undefined {
  const host = hostOf(graphBaseUrl);
  return CLOUDS.find((c) => host !== undefined && c.graphHosts.includes(host));
}

export function cloudOfAuthority(authorityHost: string): Cloud | undefined {
  const host = hostOf(authorityHost);
  return CLOUDS.find((c) => host !== undefined && c.authorityHosts.includes(host));
}

/** The authority a tenant signs in at when it names none: its Graph host's cloud, else the commercial one. */
export function defaultAuthorityFor(graphBaseUrl: string): string {
  const cloud = cloudOfGraph(graphBaseUrl);
  return cloud ? `https://${cloud.authorityHosts[0]}` : DEFAULT_AUTHORITY_HOST;
}

/**
 * Why this authority cannot sign in for this Graph, in words, or undefined when the pair is fine. A loopback
 * authority (a local token endpoint in tests) pairs with anything; a Graph host outside the table (a proxy) is
 * accepted, an authority host outside it is not (a typo there only shows at the first sign-in).
 */
export function cloudMismatch(authorityHost: string, graphBaseUrl: string): string | undefined {
  const host = hostOf(authorityHost);
  if (host === undefined) return `authorityHost "${authorityHost}" is not a URL; use e.g. https://login.microsoftonline.us`;
  if (isLoopbackHost(host)) return undefined;
  const authorityCloud = cloudOfAuthority(authorityHost);
  if (!authorityCloud) {
    const known = CLOUDS.flatMap((c) => c.authorityHosts.map((h) => `https://${h}`)).join(', ');
    return `authorityHost ${host} is not a Microsoft Entra sign-in host; use one of ${known}`;
  }
  const graphCloud = cloudOfGraph(graphBaseUrl);
  if (!graphCloud || graphCloud === authorityCloud) return undefined;
  const fits = authorityCloud.graphHosts.map((h) => `https://${h}/v1.0`).join(' or ');
  return `authorityHost ${host} is ${authorityCloud.name} but graphBaseUrl ${hostOf(graphBaseUrl)} is ${graphCloud.name}; with this authority use graphBaseUrl ${fits}, or use authorityHost https://${graphCloud.authorityHosts[0]}`;
}
