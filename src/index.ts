/**
 * Composition root: configuration → stores → Graph → services → Teams app → HTTP server (and, with no CTS_CONFIG,
 * the embedded CTS simulator). Nothing else constructs long-lived objects.
 */
import { ConfigError, parseEstate, type AppConfig, type Estate } from './config';
import { systemClock, type Clock } from './domain/clock';
import { createLogger, type Logger } from './logger';
import { startServer, type RunningServer } from './server';
import { createAdapter, type AdapterOptions } from './teams/adapter';
import { createBotApp } from './teams/app';
import { Gate } from './teams/gate';
import { loggedTurn } from './teams/turnLog';
import { InboundDedupe } from './services/inboundDedupe';
import { answerRepeat, needsDurableClaim } from './teams/repeatedActivity';
import { CHANGING_COMMANDS, operationHandlers, registerOperationRoutes } from './teams/operations';
import { renderAlert } from './teams/alertCards';
import { registerAlertRoutes, subscribeHandler, subscriptionsHandler, unsubscribeHandler } from './teams/alerts';
import { adapterTransport, countingRetries, TeamsNotifier } from './teams/notifier';
import { Monitor } from './services/monitor';
import { DriftWatch } from './services/driftWatch';
import { Subscriptions } from './services/subscriptions';
import { ProvisioningService } from './services/provisioning';
import { ScopeRequestService, approvalSubject } from './services/scopeRequests';
import { NewcomerChecks } from './services/newcomerChecks';
import { Outbox } from './services/outbox';
import { APPROVAL_CHANGING, approvalCardRenderer, approvalHandlers, registerApprovalRoutes } from './teams/approvals';
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
import { Doctor } from './services/doctor';
import { doctorHandler, registerDriftRoutes } from './teams/doctor';
import { WhyService } from './services/why';
import { registerWhyRoutes, whyHandler } from './teams/why';
import { ScopeReviews, reviewSubject } from './services/scopeReview';
import { REVIEW_CHANGING, registerReviewRoutes, reviewCardRenderer, reviewHandler, reviewStatusHandler } from './teams/review';
import { botAppIdFor } from './config/botApp';
import { openStorage, type OpenedStorage, type OpenStorageOptions } from './store/factory';
import { SingleProcessLeader } from './store';
import type { Storage } from 'botbuilder';
import { graphResponse, inSpan, PollHealth, storeReachable } from './observability';
import { VERSION } from './banner';
import { startLeaderSweeps } from './services/leaderSweeps';

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
  /** Where channel tokens are checked and how the connector is called (the attack suite's own OpenID metadata). */
  adapter?: AdapterOptions;
  /** How long turns wait on Graph before answering "working" (tests of slow Graph pass a few ms). */
  answerWithinMs?: { message?: number; invoke?: number };
  /** Blob lease tuning (tests run 15 s leases on a virtual clock). */
  lease?: OpenStorageOptions['lease'];
}

export interface RunningBot {
  url: string;
  config: AppConfig;
  estate: Estate;
  simulator?: RunningSimulator;
  /** Configuration problems found at start-up that do not stop the bot (the banner prints them). */
  warnings: string[];
  graph: CtsGraph;
  storage: Storage;
  audit: AuditLog;
  operations: OperationsService;
  subscriptions: Subscriptions;
  notifier: TeamsNotifier;
  /** Every card with copies in several conversations, and where each copy stands. */
  outbox: Outbox;
  /** Started only when MONITOR=on; tests call monitor.pollOnce() themselves. */
  monitor: Monitor;
  /** Drift alerts; started with the monitor (MONITOR=on); tests call drift.checkOnce() themselves. */
  drift: DriftWatch;
  /** Scope-change requests; tests call approvals.expireDue(), reconcile() and idle(). */
  approvals: ScopeRequestService;
  /** Periodic scope reviews; tests call reviews.sweep() (the leader's deadline and schedule pass) and idle(). */
  reviews: ScopeReviews;
  logger: Logger;
  close(): Promise<void>;
}

export async function startBot(config: AppConfig, overrides: BotOverrides = {}): Promise<RunningBot> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);

  let simulator: RunningSimulator | undefined;
  let estate: Estate;
  if (config.mode === 'simulator') {
    simulator = await startSimulator({
      port: config.simulator?.port ?? 0,
      cycleIntervalMs: (config.simulator?.cycleSeconds ?? 15) * 1000,
      ...overrides.simulator,
    });
    const parsed = parseEstate(simulator.estate(), 'simulator estate');
    if (!parsed.ok) {
      await simulator.close();
      throw new ConfigError(parsed.problems);
    }
    estate = parsed.estate;
  } else {
    estate = config.estate!;
  }

  const graph = overrides.graph ? overrides.graph(estate) : createCtsGraph(estate, { logger, onResponse: graphResponse });
  const tenantWhere = (id: string) => `CTS_CONFIG tenants[${estate.tenants.findIndex((t) => t.id === id)}]`;
  const tenantLabel = (id: string) => `tenant ${estate.tenants.find((t) => t.id === id)?.name ?? ''} (${id})`.replace('tenant  (', 'tenant (');
  const missing = graph.credentialProblems();
  if (missing.length) {
    await simulator?.close();
    throw new ConfigError(missing.map((m) => ({ where: tenantWhere(m.tenantId), message: `tenant ${m.tenantId}: ${m.problem}` })));
  }
  // One token per tenant before serving: a missing consent or a wrong secret is named now, not at 3 a.m. by an alert.
  // Network trouble is only a warning (the monitor reports it as a credentials alert if it lasts).
  const tokenFailures = (await graph.tokenProblems?.()) ?? [];
  for (const f of tokenFailures.filter((x) => !x.definitive))
    logger.warn({ tenantId: f.tenantId, reason: f.reason }, `start-up token check: ${tenantLabel(f.tenantId)}: ${f.message}`);
  const definitive = tokenFailures.filter((f) => f.definitive);
  if (definitive.length) {
    await simulator?.close();
    throw new ConfigError(
      definitive.map((f) => ({ where: tenantWhere(f.tenantId), message: `${tenantLabel(f.tenantId)}: no token (${f.reason}): ${f.message}` })),
    );
  }
  const directory = overrides.directory ?? graphCallerDirectory(graph, estate.homeTenantId);
  // One store for all durable state: requests, incidents, subscriptions, pending operations, audit.
  // A store handed in by a test is the caller's to open and close; otherwise open the configured one.
  const opened: OpenedStorage = overrides.storage
    ? { storage: overrides.storage, leader: new SingleProcessLeader(), kind: 'file', close: () => Promise.resolve() }
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
  const audit = new AuditLog(storage, {
    clock,
    onIndexProblem: (p) =>
      p.kind === 'reindexed'
        ? logger.warn({ count: p.count }, 'audit log: re-indexed events the index had missed')
        : logger.error(
            { err: p.err, key: p.key, problem: p.kind },
            p.kind === 'append-failed' ? 'AUDIT EVENT NOT WRITTEN' : 'audit index problem (events stay stored; repair re-indexes them)',
          ),
  });
  const configs = new Configurations(estate, graph);
  const operations = new OperationsService(configs, graph, audit, storage, clock, undefined, logger);
  const access = new AccessService(estate.homeTenantId, directory, config.policy, clock, undefined, (problem) =>
    logger.error({ problem }, 'configuration problem: directory roles unreadable'),
  );
  // Roles the bot cannot read would refuse everyone: say so at start-up rather than at the first refusal.
  const warnings: string[] = [];
  const roleProblem = await graph.roleReadProblem?.(estate.homeTenantId).catch((err) => {
    logger.warn({ err }, 'could not check whether directory roles are readable');
    return null;
  });
  if (roleProblem) {
    warnings.push(`Configuration problem: ${roleProblem} Until then nobody's roles can be read and every change is refused.`);
    logger.error({ problem: roleProblem }, 'configuration problem: directory roles unreadable');
  }

  const tenantName = (id: string) => estate.tenants.find((t) => t.id === id)?.name ?? 'unknown tenant';
  const helpContext = {
    mode: config.mode === 'simulator' ? 'embedded simulator' : 'Microsoft Graph',
    configurations: estate.configurations.map((c) => c.name),
  };

  const adapter = createAdapter(config.bot, logger, overrides.adapter);
  const gate = new Gate(access, estate.homeTenantId, (r) =>
    audit
      .append({
        actor: { aadObjectId: r.caller.aadObjectId, name: r.caller.name },
        action: 'access.refused',
        configuration: r.configuration,
        target: r.permission,
        outcome: 'refused',
        detail: r.reason,
      })
      .then(() => undefined),
  );
  const provisioning = new ProvisioningService(configs, graph, audit);
  const operationDeps = {
    access,
    configs,
    operations,
    provisioning,
    audit,
    gate,
    clock,
    logger,
    botAppId: config.bot.appId ?? '',
    answerWithinMs: overrides.answerWithinMs?.invoke,
  };
  const subscriptions = new Subscriptions(storage, clock, audit);
  const notifier = new TeamsNotifier({ transport: countingRetries(adapterTransport(adapter, config.bot.appId ?? '', logger)), logger });
  const leader = opened.leader;
  const pollHealth = new PollHealth(clock, Math.max(10, estate.pollIntervalSeconds) * 1000, config.monitorEnabled);
  // One fan-out for every card with copies in several conversations (alerts, approvals); a conversation that
  // answers 403/404 to a post loses its subscriptions.
  const outbox = new Outbox({ storage, sender: notifier, logger, onGone: (key, reason) => subscriptions.deactivate(key, reason) });
  const monitor = new Monitor({
    configs,
    graph,
    storage,
    subscriptions,
    notifier,
    outbox,
    render: renderAlert,
    leader,
    clock,
    logger,
    pollIntervalSeconds: estate.pollIntervalSeconds,
    observePoll: (poll) => pollHealth.observe(poll),
  });
  const doctor = new Doctor(configs, graph, { botAppId: (t) => botAppIdFor(estate, t, process.env), clock });
  // Drift alerts: the doctor's checks again every driftCheckMinutes, on the leader, through the same outbox.
  const drift = new DriftWatch({
    configs,
    graph,
    doctor,
    storage,
    subscriptions,
    outbox,
    render: renderAlert,
    leader,
    clock,
    logger,
    checkMinutes: estate.driftCheckMinutes,
    growthPercent: estate.scopeGrowthAlertPercent,
  });
  // An action run on a job with an open alert says so on every copy of that alert.
  operations.onExecuted(({ config: c, action, actor, outcome }) => {
    void monitor.actions.recordAction(c, action, actor, outcome).catch((err) => logger.warn({ err }, 'could not mark the alert'));
  });
  // `status` answers from the monitor's latest poll while it is younger than one poll interval.
  operations.useSnapshots(() => monitor.latestJobs(), monitor.intervalMs);
  const alertDeps = { subscriptions, monitor, operations, configs, gate, homeTenantId: estate.homeTenantId, logger, clock, audit };
  const newcomers = new NewcomerChecks({ graph, configs, clock, protectedNames: estate.protectedNames, logger });
  const approvals = new ScopeRequestService(
    { configs, graph, storage, audit, access, clock },
    { expiresAfterHours: estate.approvals.expiresAfterHours, targetTenantUsers: (tenantId) => graph.userCount(tenantId), newcomers, logger },
  );
  let serverUrl = '';
  const auditExports = new AuditExports(storage, audit, clock);
  const approvalDeps = {
    approvals,
    configs,
    gate,
    audience: subscriptions,
    outbox,
    clock,
    logger,
    provisioning,
    answerWithinMs: overrides.answerWithinMs?.invoke,
  };
  const whyDeps = { why: new WhyService(configs, graph, clock), configs, access, gate, provisioning, logger };
  outbox.register('approval', approvalCardRenderer(approvalDeps));
  // After every transition every copy of the request's card shows the latest stored state.
  const flushApproval = (id: string): Promise<void> =>
    outbox.flush(approvalSubject(id)).then(
      () => undefined,
      (err) => logger.warn({ err, id }, 'approval card update failed'),
    );
  approvals.onChange((rec) => outbox.changed(approvalSubject(rec.request.id)).then(() => flushApproval(rec.request.id)));
  const reviews = new ScopeReviews(
    { configs, graph, storage, audit, access, clock, approvals, outbox, audience: subscriptions },
    { days: estate.reviewDays, defaultVerdict: estate.reviewDefault, everyDays: estate.reviewEveryDays, logger },
  );
  const reviewDeps = { reviews, gate, clock, logger };
  outbox.register(reviewSubject('').kind, reviewCardRenderer(reviewDeps));
  const app = createBotApp({
    adapter,
    botAppId: config.bot.appId ?? '',
    gate,
    handlers: {
      help: () => Promise.resolve(helpReply(helpContext)),
      whoami: whoamiHandler(access, tenantName),
      ...operationHandlers(operationDeps),
      subscribe: subscribeHandler(alertDeps),
      unsubscribe: unsubscribeHandler(alertDeps),
      subscriptions: subscriptionsHandler(alertDeps),
      ...approvalHandlers(approvalDeps),
      auditExport: auditExportHandler({ exports: auditExports, access, clock, baseUrl: () => config.publicUrl ?? serverUrl }),
      review: reviewHandler(reviewDeps),
      reviewStatus: reviewStatusHandler({ ...reviewDeps, configs }),
      doctor: doctorHandler({ doctor, configs, access }),
      why: whyHandler(whyDeps),
    },
    changing: new Set([...CHANGING_COMMANDS, ...APPROVAL_CHANGING, ...REVIEW_CHANGING]),
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
    answerWithinMs: overrides.answerWithinMs?.message,
  });
  registerOperationRoutes(app, operationDeps);
  registerAlertRoutes(app, alertDeps);
  registerDriftRoutes(app, { doctor, drift, configs, gate, logger });
  registerApprovalRoutes(app, approvalDeps);
  registerWhyRoutes(app, whyDeps);
  registerReviewRoutes(app, reviewDeps);
  await leader.start();

  const dedupe = new InboundDedupe(storage, clock);
  let server: RunningServer;
  try {
    server = await startServer({
      host: config.host,
      port: config.port,
      adapter,
      // One trace per turn; Graph calls made in it add their request ids. Never the message text.
      onTurn: (context) =>
        inSpan('turn', { 'activity.type': context.activity.type ?? '', 'conversation.type': context.activity.conversation?.conversationType ?? '' }, () =>
          loggedTurn(context, logger, clock, async () =>
            (await dedupe.claim(context.activity, { durable: needsDurableClaim(context.activity) })) ? app.run(context) : answerRepeat(context),
          ),
        ),
      anonymous: !config.bot.appId,
      health: async () => {
        const reachable = await storeReachable(() => storage.read(['health/probe']));
        const polls = pollHealth.report();
        return {
          status: reachable && !polls.stale ? 'ok' : 'unhealthy',
          mode: config.mode,
          version: VERSION,
          ...(simulator ? { simulatorUrl: simulator.url } : {}),
          instanceId: config.instanceId,
          leader: leader.isLeader(),
          monitor: config.monitorEnabled ? 'on' : 'off',
          lastPoll: polls.lastPoll,
          ...(polls.stale ? { problem: `no poll for more than three intervals (${(3 * pollHealth.intervalMs) / 1000} s)` } : {}),
          store: { kind: opened.kind, reachable },
        };
      },
      logger,
      routes: [auditExportRoute(auditExports)],
    });
    serverUrl = server.url;
  } catch (err) {
    await simulator?.close();
    await opened.close();
    throw err;
  }
  if (config.monitorEnabled) {
    monitor.start();
    drift.start();
  }
  const sweeps = await startLeaderSweeps({ leader, audit, approvals, operations, reviews, flushApproval, logger });

  return {
    url: server.url,
    config,
    estate,
    simulator,
    warnings,
    graph,
    storage,
    audit,
    operations,
    subscriptions,
    notifier,
    outbox,
    monitor,
    drift,
    approvals,
    reviews,
    logger,
    close: async () => {
      sweeps.stop();
      await monitor.stop();
      await drift.stop();
      await server.close();
      await approvals.idle();
      await reviews.idle();
      await simulator?.close();
      await opened.close();
    },
  };
}

// `npm start` runs this file: the process (config from the environment, banner, signals) lives in main.ts.
if (require.main === module) {
  void import('./main').then((m) => m.main());
}
