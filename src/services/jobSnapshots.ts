import type { JobReadError, JobSnapshot } from '../domain/incidents';
import { GraphError } from '../graph/errors';
import type { SyncJob } from '../graph/schemas';
import { errorText } from './operations';

/**
 * Graph's synchronizationJob → the detector's JobSnapshot. A schedule in state Paused reads as Paused even when the
 * status code lags; Graph's "None" error code (a job that never ran) is no error.
 */
export function snapshotOf(configuration: string, job: SyncJob, observedAt: string): JobSnapshot {
  const status = job.status;
  const q = status.quarantine;
  const last = status.lastExecution;
  const errorCodeOf = (code: string | null | undefined) => (code && code !== 'None' ? code : undefined);
  let code: string = status.code;
  if (code !== 'Quarantine' && job.schedule?.state === 'Paused') code = 'Paused';
  const snapshot: JobSnapshot = { configuration, code, observedAt };
  if (job.schedule?.state) snapshot.scheduleState = job.schedule.state;
  // A job disabled after 28 days in quarantine may no longer say Quarantine; its quarantine record still tells why.
  if (code === 'Quarantine' || (job.schedule?.state === 'Disabled' && q)) {
    snapshot.quarantine = stripUndefined({
      reason: q?.reason ?? 'Unknown',
      since: q?.currentBegan ?? q?.seriesBegan ?? undefined,
      nextAttempt: q?.nextAttempt ?? undefined,
      seriesCount: q?.seriesCount ?? undefined,
      errorCode: errorCodeOf(q?.error?.code) ?? errorCodeOf(last?.error?.code),
      errorMessage: (q?.error?.message ?? last?.error?.message) || undefined,
    });
  }
  if (last) {
    snapshot.lastExecution = stripUndefined({
      state: last.state ?? 'Unknown',
      errorCode: errorCodeOf(last.error?.code),
      countEscrowed: last.countEscrowed ?? undefined,
      timeEnded: last.timeEnded ?? undefined,
    });
  }
  return snapshot;
}

export function readError(configuration: string, observedAt: string, err: unknown): JobReadError {
  const status =
    err instanceof GraphError ? err.status : typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : undefined;
  const code = err instanceof GraphError ? err.code : typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  return { configuration, observedAt, error: stripUndefined({ httpStatus: status || undefined, code, message: errorText(err) }) };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
