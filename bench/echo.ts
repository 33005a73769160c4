import { Application } from '@microsoft/teams-ai';
import { createLogger } from '../src/logger';
import { startServer, type RunningServer } from '../src/server';
import { createAdapter } from '../src/teams/adapter';

/**
 * The yardstick for turn throughput: a bare teams-ai echo bot on the same adapter configuration (src/teams/adapter.ts)
 * and the same HTTP host (src/server.ts) as the product, so the ratio of our turns/s to its turns/s isolates our work.
 */
export async function startEchoBot(): Promise<RunningServer> {
  const logger = createLogger('silent');
  const adapter = createAdapter({ appType: 'MultiTenant' }, logger);
  const app = new Application({ adapter, botAppId: '', removeRecipientMention: true, startTypingTimer: false, longRunningMessages: false });
  app.message(/[\s\S]*/, async (context) => {
    await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
  });
  return startServer({
    host: '127.0.0.1',
    port: 0,
    adapter,
    anonymous: true,
    onTurn: (context) => app.run(context),
    health: () => ({ status: 'ok', mode: 'simulator', version: 'echo' }),
    logger,
  });
}
