/**
 * Traces, metrics and the health report. OpenTelemetry's API is a no-op until an SDK registers itself, so with no
 * APPLICATIONINSIGHTS_CONNECTION_STRING nothing is exported, nothing is called and the Azure Monitor distro is
 * never even loaded (it is required lazily, inside startTelemetry).
 */
import { metrics, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { Clock } from './domain/clock';

const NAME = 'cts-ops-bot';
const tracer = () => trace.getTracer(NAME);
const meter = () => metrics.getMeter(NAME);

export interface TelemetryHandle {
  enabled: boolean;
  /** Flushes and stops the exporter (SIGTERM). */
  shutdown(): Promise<void>;
}

/** Registers the Azure Monitor OpenTelemetry distro when a connection string is set; otherwise does nothing. */
export function startTelemetry(connectionString: string | undefined): TelemetryHandle {
  if (!connectionString) return { enabled: false, shutdown: () => Promise.resolve() };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when wanted: it pulls in the whole SDK.
  const distro = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  distro.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    // Our own spans and metrics only; the distro's HTTP auto-instrumentation would double every Graph call.
    instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: false } },
  });
  return { enabled: true, shutdown: () => distro.shutdownAzureMonitor() };
}

/** Runs `fn` in a span named `name`; Graph calls inside add their request ids to it (see graphResponse). */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String((err as Error)?.message ?? err).slice(0, 200) });
      throw err;
    } finally {
      span.end();
    }
  });
}

let instruments:
  | {
      pollDuration: ReturnType<ReturnType<typeof meter>['createHistogram']>;
      alertLatency: ReturnType<ReturnType<typeof meter>['createHistogram']>;
      graphThrottled: ReturnType<ReturnType<typeof meter>['createCounter']>;
      sendRetries: ReturnType<ReturnType<typeof meter>['createCounter']>;
    }
  | undefined;

// Created on first use, after startTelemetry may have registered a meter provider.
function inst(): NonNullable<typeof instruments> {
  instruments ??= {
    pollDuration: meter().createHistogram('cts.poll.duration', { unit: 'ms', description: 'One monitor poll: read every job, decide, deliver' }),
    alertLatency: meter().createHistogram('cts.alert.latency', {
      unit: 'ms',
      description: 'From the start of the poll that saw a change to its alert cards being sent',
    }),
    graphThrottled: meter().createCounter('cts.graph.throttled', { description: 'Microsoft Graph answers with status 429' }),
    sendRetries: meter().createCounter('cts.send.retries', {
      description: 'Proactive sends that failed with a retryable status (429, 412, 5xx, lost connection)',
    }),
  };
  return instruments;
}

/** Every Graph answer: its request id goes on the current turn's or poll's span; 429s are counted. */
export function graphResponse(e: { tenantId: string; status: number; requestId?: string; method: string }): void {
  const span = trace.getActiveSpan();
  span?.addEvent('graph', { 'graph.tenant_id': e.tenantId, 'http.status_code': e.status, 'graph.request_id': e.requestId ?? '', 'http.method': e.method });
  if (e.status === 429) inst().graphThrottled.add(1, { tenant: e.tenantId });
}

export function sendRetried(status: number): void {
  inst().sendRetries.add(1, { status: String(status) });
}

/** What the health report needs to know about the monitor's polls. */
export class PollHealth {
  private lastTick?: { at: number; skipped?: string; durationMs: number };
  private readonly since: number;

  constructor(
    private readonly clock: Clock,
    readonly intervalMs: number,
    readonly enabled: boolean,
  ) {
    this.since = clock.now();
  }

  /** Wraps one monitor poll: a span, the duration metric, and the time health reports. */
  async observe<R extends { skipped?: string; posted: number; updated: number }>(poll: () => Promise<R>): Promise<R> {
    const started = this.clock.now();
    const report = await inSpan('poll', {}, async () => {
      const r = await poll();
      trace.getActiveSpan()?.setAttributes({ 'cts.poll.skipped': r.skipped ?? '', 'cts.poll.posted': r.posted, 'cts.poll.updated': r.updated });
      return r;
    });
    const durationMs = this.clock.now() - started;
    this.lastTick = { at: this.clock.now(), skipped: report.skipped, durationMs };
    if (!report.skipped) inst().pollDuration.record(durationMs);
    if (report.posted + report.updated > 0) inst().alertLatency.record(durationMs);
    return report;
  }

  /** Stale: the monitor runs and nothing has come back for three intervals (counted from start-up before the first). */
  report(): { lastPoll: { at: string; ageSeconds: number; skipped?: string } | null; stale: boolean } {
    const now = this.clock.now();
    const last = this.lastTick?.at ?? this.since;
    const stale = this.enabled && now - last > 3 * this.intervalMs;
    if (!this.lastTick) return { lastPoll: null, stale };
    return {
      lastPoll: {
        at: new Date(this.lastTick.at).toISOString(),
        ageSeconds: Math.round((now - this.lastTick.at) / 1000),
        ...(this.lastTick.skipped ? { skipped: this.lastTick.skipped } : {}),
      },
      stale,
    };
  }
}

/** Reads one key with a deadline: is the store (file or Blob) answering at all? */
export async function storeReachable(read: () => Promise<unknown>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      read().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
