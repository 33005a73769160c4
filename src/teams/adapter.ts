import { TeamsAdapter } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import type { BotAuthConfig } from '../config';
import type { Logger } from '../logger';

/**
 * The Bot Framework adapter: validates the JWT on every incoming request when an app id is configured and signs
 * outgoing calls to the Bot Connector. With no app id it accepts anonymous requests (loopback only; enforced by config).
 */
export function createAdapter(auth: BotAuthConfig, logger: Logger): TeamsAdapter {
  const adapter = new TeamsAdapter({
    MicrosoftAppId: auth.appId ?? '',
    MicrosoftAppPassword: auth.appPassword ?? '',
    MicrosoftAppType: auth.appType,
    MicrosoftAppTenantId: auth.appTenantId ?? '',
  });
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    // The user sees a short apology; the details (never a token) go to the log.
    logger.error({ err: error, activityType: context.activity.type, conversation: context.activity.conversation?.id }, 'unhandled turn error');
    if (context.activity.type === 'message') {
      await context.sendActivity('Sorry, something went wrong on my side. The error is logged; please try again.').catch(() => undefined);
    }
  };
  return adapter;
}
