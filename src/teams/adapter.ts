import { TeamsAdapter } from '@microsoft/teams-ai';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { BotAuthConfig } from '../config';
import type { Logger } from '../logger';

/** Why an inbound request was not let in: 401 (the token is not good) or 503 (the signing keys could not be fetched). */
export class InboundAuthError extends Error {
  constructor(
    readonly status: 401 | 503,
    override readonly cause: unknown,
  ) {
    super(status === 401 ? 'unauthorized' : 'signing keys unavailable');
  }
}

/**
 * Where tokens from the channel are checked against. Production uses botbuilder's public-cloud defaults; the attack
 * suite points the OpenID metadata at a loopback server that serves its own signing key.
 */
export interface ChannelAuthEndpoints {
  openIdMetadataUrl: string;
  tokenIssuer: string;
}

export interface AdapterOptions {
  endpoints?: ChannelAuthEndpoints;
  /** Credentials for calls to the Bot Connector (tests: none, so no token is fetched from Entra). */
  credentialsFactory?: ConstructorParameters<typeof TeamsAdapter>[1];
}

// botbuilder's public-cloud values (AuthenticationConstants), repeated because a parameterized configuration must
// name all of them or none.
const PUBLIC_CLOUD = {
  ValidateAuthority: true,
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration',
  CallerId: 'urn:botframework:azure',
};

/**
 * The Bot Framework adapter: validates the JWT on every incoming request when an app id is configured and signs
 * outgoing calls to the Bot Connector. With no app id it accepts anonymous requests (loopback only; enforced by
 * config and by the server).
 */
export class BotAdapter extends TeamsAdapter {
  /**
   * Authenticates the request, then runs the turn. Authentication failures throw InboundAuthError (the library's
   * words stay in `cause`, for the log only); anything the turn throws passes through unchanged.
   */
  async receive(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    let authenticated;
    try {
      authenticated = await this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
    } catch (err) {
      throw new InboundAuthError(keysUnavailable(err) ? 503 : 401, err);
    }
    return this.processActivity(authenticated, activity, logic);
  }
}

/** The OpenID metadata or key set could not be fetched: botbuilder says so with a 5xx status, or fetch fails outright. */
function keysUnavailable(err: unknown): boolean {
  const e = err as { statusCode?: unknown; name?: unknown; type?: unknown };
  return (typeof e?.statusCode === 'number' && e.statusCode >= 500) || e?.name === 'FetchError' || e?.type === 'system';
}

export function createAdapter(auth: BotAuthConfig, logger: Logger, options: AdapterOptions = {}): BotAdapter {
  const adapter = new BotAdapter(
    {
      MicrosoftAppId: auth.appId ?? '',
      MicrosoftAppPassword: auth.appPassword ?? '',
      MicrosoftAppType: auth.appType,
      MicrosoftAppTenantId: auth.appTenantId ?? '',
      ...(options.endpoints
        ? {
            ...PUBLIC_CLOUD,
            ToBotFromChannelOpenIdMetadataUrl: options.endpoints.openIdMetadataUrl,
            ToBotFromChannelTokenIssuer: options.endpoints.tokenIssuer,
          }
        : {}),
    },
    options.credentialsFactory,
  );
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    // The user sees a short apology; the details (never a token) go to the log.
    logger.error({ err: error, activityType: context.activity.type, conversation: context.activity.conversation?.id }, 'unhandled turn error');
    if (context.activity.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on my side. The error is logged; please try again.').catch(() => undefined);
    }
  };
  return adapter;
}
