/**
 * Composition root: configuration → stores → Graph → services → Teams app → HTTP server (and, with no CTS_CONFIG,
 * the embedded CTS simulator). Nothing else constructs long-lived objects.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, formatProblems, loadConfig, parseEstate, type AppConfig, type Estate } from './config';
import { systemClock, type Clock } from './domain/clock';
import { createLogger, type Logger } from './logger';
import { startServer, type RunningServer } from './server';
import { createAdapter } from './teams/adapter';
import { createBotApp } from './teams/app';
import { Gate } from './teams/gate';
import { loggedTurn } from './teams/turnLog';
import { CHANGING_COMMANDS, operationHandlers, registerOperationRoutes } from './teams/operations';
import { registerAlertRoutes, renderAlert, subscribeHandler, subscriptionsHandler, unsubscribeHandler } from './teams/alerts';
import { adapterTransport, TeamsNotifier } from './teams/notifier';
import { Monitor } from './services/monitor';
import { Subscriptions } from './services/subscriptions';
import { ProvisioningService } from './services/provisioning';
import { ApprovalsService } from './services/approvals';
import { APPROVAL_CHANGING, approvalHandlers, registerApprovalRoutes } from './teams/approvals';
import { helpReply, whoamiHandler } from './teams/commands/basic';
import { AccessService, type CallerDirectory } from './services/access';
import { startSimulator, type RunningSimulator } from './simulator';
import { createCtsGraph, type CtsGraph } from './graph/gateway';
import { graphCallerDirectory } from './services/callerDirectory';
import { Configurations } from './services/configurations';
import { OperationsService } from './services/operations';
import { AuditLog } from './store';
import { AuditExports } from './services/auditExport';
import { auditExportHandler, auditExportRoute } from './teams/auditExport';
import { openStorage, type OpenedStorage, type OpenStorageOptions } from './store/factory';
import { SingleProcessLeader } from './store';
import type { Storage } from 'botbuilder';

export const VERSION: string = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')).version;

export interface BotOverrides {
  clock?: Clock;
  logger?: Logger;
  /** Substitute the Graph gateway (fault tests). */
  graph?: (estate: Estate) => CtsGraph;
  /** Substitute the caller directory (unit tests of access). */
  directory?: CallerDirectory;
  /** Options for the embedded simulator (tests pass cycleIntervalMs: null and a clock). */
  simulator?: Parameters<typeof startSimulator>[0];
  /** Use this store instead of the configured one (two instances on one shared FileStorage; crash tests). Not closed by close(). */
  storage?: Storage;
  /** Blob lease tuning (tests run 15 s leases on a virtual clock). */
  lease?: OpenStorageOptions['lease'];
}

export interface RunningBot {
  url: string;
  config: AppConfig;
  estate: Estate;
  simulator?: RunningSimulator;
  graph: CtsGraph;
  storage: Storage;
  audit: AuditLog;
  operations: OperationsService;
  subscriptions: Subscriptions;
  notifier: TeamsNotifier;
  /** Started only when MONITOR=on; tests call monitor.pollOnce() themselves. */
  monitor: Monitor;
  /** Scope-change requests; tests call approvals.expireDue(), reconcile() and idle(). */
  approvals: ApprovalsService;
  close(): Promise<void>;
}

export async function startBot(config: AppConfig, overrides: BotOverrides = {}): Promise<RunningBot> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);

  let simulator: RunningSimulator | undefined;
  let estate: Estate;
  if (config.mode === 'simulator') {
    simulator = await startSimulator({ port: config.simulator?.port ?? 0, cycleIntervalMs: (config.simulator?.cycleSeconds ?? 15) * 1000, ...overrides.simulator });
    const parsed = parseEstate(simulator.estate(), 'simulator estate');
    if (!parsed.ok) {
      await simulator.close();
      throw new ConfigError(parsed.problems);
    }
    estate = parsed.estate;
  } else {
    estate = config.estate!;
  }

  const graph = overrides.graph ? overrides.graph(estate) : createCtsGraph(estate, { logger });
  const missing = graph.credentialProblems();
  if (missing.length) {
    await simulator?.close();
    throw new ConfigError(
      missing.map((m) => ({ where: `CTS_CONFIG tenants[${estate.tenants.findIndex((t) => t.id === m.tenantId)}]`, message: `tenant ${m.tenantId}: ${m.problem}` })),
    );
  }
  const directory = overrides.directory ?? graphCallerDirectory(graph, estate.homeTenantId);
  // One store for all durable state: requests, incidents, subscriptions, pending operations, audit.
  // A store handed in by a test is the caller's to open and close; otherwise open the configured one.
  const opened: OpenedStorage = overrides.storage
    ? { storage: overrides.storage, leader: new SingleProcessLeader(), kind: 'file', close: async () => undefined }
    : await openStorage({
        dataDir: config.dataDir,
        instanceId: config.instanceId,
        blob: config.storage.kind === 'blob' ? config.storage : undefined,
        lease: { leaseSeconds: config.leaseSeconds, ...overrides.lease },
      }).catch(async (err) => {
        await simulator?.close();
        throw err;
      });
  const storage: Storage = opened.storage;
  const audit = new AuditLog(storage, { clock });
  const configs = new Configurations(estate, graph);
  const operations = new OperationsService(configs, graph, audit, storage, clock);
  const access = new AccessService(estate.homeTenantId, directory, config.policy, clock);

  const tenantName = (id: string) => estate.tenants.find((t) => t.id === id)?.name ?? 'unknown tenant';
  const helpContext = { mode: config.mode === 'simulator' ? 'embedded simulator' : 'Microsoft Graph', configurations: estate.configurations.map((c) => c.name) };

  const adapter = createAdapter(config.bot, logger);
  const gate = new Gate(access, estate.homeTenantId, (r) =>
    audit
      .append({ actor: { aadObjectId: r.caller.aadObjectId, name: r.caller.name }, action: 'access.refused', configuration: r.configuration, target: r.permission, outcome: 'refused', detail: r.reason })
      .then(() => undefined),
  );
  const provisioning = new ProvisioningService(configs, graph, audit);
  const operationDeps = { access, configs, operations, provisioning, audit, gate, clock, logger };
  const subscriptions = new Subscriptions(storage, clock, audit);
  const notifier = new TeamsNotifier({ transport: adapterTransport(adapter, config.bot.appId ?? '', logger), logger });
  const leader = opened.leader;
  const monitor = new Monitor({ configs, graph, storage, subscriptions, notifier, render: renderAlert, leader, clock, logger, pollIntervalSeconds: estate.pollIntervalSeconds });
  // `status` answers from the monitor's latest poll while it is younger than one poll interval.
  operations.useSnapshots(() => monitor.latestJobs(), monitor.intervalMs);
  const alertDeps = { subscriptions, monitor, operations, configs, gate, homeTenantId: estate.homeTenantId, logger, clock };
  const approvals = new ApprovalsService({ configs, graph, storage, audit, access, clock }, { expiresAfterHours: estate.approvals.expiresAfterHours, targetTenantUsers: (tenantId) => graph.userCount(tenantId), logger });
  let serverUrl = '';
  const auditExports = new AuditExports(storage, audit, clock);
  const approvalDeps = { approvals, configs, gate, audience: subscriptions, notifier, clock, logger, provisioning };
  const app = createBotApp({
    adapter,
    botAppId: config.bot.appId ?? '',
    gate,
    handlers: {
      help: async () => helpReply(helpContext),
      whoami: whoamiHandler(access, tenantName),
      ...operationHandlers(operationDeps),
      subscribe: subscribeHandler(alertDeps),
      unsubscribe: unsubscribeHandler(alertDeps),
      subscriptions: subscriptionsHandler(alertDeps),
      ...approvalHandlers(approvalDeps),
      auditExport: auditExportHandler({ exports: auditExports, clock, baseUrl: () => config.publicUrl ?? serverUrl }),
    },
    changing: new Set([...CHANGING_COMMANDS, ...APPROVAL_CHANGING]),
    checkedByHandler: new Set(['approve', 'reject', 'cancel']),
    // The configuration the handler will act on — also when it is left out because there is only one.
    configurationOf: (command) => {
      const named = 'config' in command && typeof command.config === 'string' ? command.config : undefined;
      if (named === 'all') return undefined;
      const found = configs.resolve(named);
      return found.ok ? found.config.name : undefined;
    },
    help: (hint) => helpReply(helpContext, hint),
    logger,
    clock,
  });
  registerOperationRoutes(app, operationDeps);
  registerAlertRoutes(app, alertDeps);
  registerApprovalRoutes(app, approvalDeps);
  await leader.start();

  let server: RunningServer;
  try {
    server = await startServer({
      host: config.host,
      port: config.port,
      adapter,
      onTurn: (context) => loggedTurn(context, logger, clock, () => app.run(context)),
      health: () => ({ status: 'ok', mode: config.mode, version: VERSION, ...(simulator ? { simulatorUrl: simulator.url } : {}) }),
      logger,
      routes: [auditExportRoute(auditExports)],
    });
    serverUrl = server.url;
  } catch (err) {
    await simulator?.close();
    await opened.close();
    throw err;
  }
  if (config.monitorEnabled) monitor.start();
  // Requests a crash left `executing` are finished by reading Graph before anything is sent again.
  // Only the leader sweeps, so two instances never finish the same execution at once (the CAS would stop a double
  // write, but not the duplicated Graph reads and calls).
  if (leader.isLeader()) await approvals.reconcile().catch((err) => logger.error({ err }, 'approval reconcile failed'));
  const approvalSweep = setInterval(() => {
    if (!leader.isLeader()) return;
    void approvals
      .expireDue()
      .then(() => approvals.reconcile({ minAgeMs: 15 * 60_000 }))
      .catch((err) => logger.error({ err }, 'approval sweep failed'));
  }, 60_000);
  approvalSweep.unref();

  return {
    url: server.url,
    config,
    estate,
    simulator,
    graph,
    storage,
    audit,
    operations,
    subscriptions,
    notifier,
    monitor,
    approvals,
    close: async () => {
      clearInterval(approvalSweep);
      await monitor.stop();
      await server.close();
      await approvals.idle();
      await simulator?.close();
      await opened.close();
    },
  };
}

function banner(bot: RunningBot): string {
  const lines = [
    '',
    `CTS Ops bot ${VERSION} listening on ${bot.url}/api/messages`,
    bot.simulator
      ? `Mode: embedded CTS simulator at ${bot.simulator.url} (no Azure needed). Configurations: ${bot.estate.configurations.map((c) => c.name).join(', ')}`
      : `Mode: Microsoft Graph. Configurations: ${bot.estate.configurations.map((c) => c.name).join(', ')}`,
    `Chat with it locally: npx agentsplayground -e ${bot.url.replace('127.0.0.1', 'localhost')}/api/messages -c msteams   (then type "help")`,
    `Health: ${bot.url}/healthz`,
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  // A local .env is a convenience for development; real deployments set the environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`CTS Ops bot cannot start: the configuration has ${err.problems.length} problem(s):\n${formatProblems(err.problems)}\n`);
      process.exit(1);
    }
    throw err;
  }
  let bot: RunningBot;
  try {
    bot = await startBot(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`CTS Ops bot cannot start:\n${formatProblems(err.problems)}\n`);
    } else {
      process.stderr.write(`CTS Ops bot cannot start: ${(err as Error).message}\n`);
    }
    process.exit(1);
  }
  process.stdout.write(banner(bot));
  const stop = async () => {
    await bot.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  void main();
}
