import { RESTART_SCOPES as FROM_COMMANDS } from '../../src/domain/commands';
import {
  auditActionOf,
  describeAction,
  INCIDENT_JOB_ACTIONS,
  isJobRestartScope,
  JOB_RESTART_SCOPES,
  permissionFor,
  RESET_SCOPE,
  RESTART_SCOPES,
} from '../../src/domain/jobActions';

describe('job actions', () => {
  it('offers one list of typed restart scopes, without full, and the grammar re-exports that same list', () => {
    expect(RESTART_SCOPES).toEqual(['default', 'quarantine', 'escrows', 'watermark']);
    expect(FROM_COMMANDS).toBe(RESTART_SCOPES);
  });

  it('maps every restart scope to the resetScope Graph takes', () => {
    expect(Object.keys(RESET_SCOPE).sort()).toEqual([...JOB_RESTART_SCOPES].sort());
    expect(RESET_SCOPE.default).toBe('Watermark, Escrows, QuarantineState');
    expect(RESET_SCOPE.forceDeletes).toBe('ForceDeletes');
  });

  it('needs deletes.allow only to let held-back deletions through', () => {
    expect(permissionFor({ kind: 'restart', scope: 'forceDeletes' })).toBe('deletes.allow');
    expect(permissionFor({ kind: 'restart', scope: 'watermark' })).toBe('sync.operate');
    expect(permissionFor({ kind: 'start' })).toBe('sync.operate');
    expect(permissionFor({ kind: 'pause' })).toBe('sync.operate');
  });

  it('runs the job action an alert button names, and none for buttons that touch no job', () => {
    expect(INCIDENT_JOB_ACTIONS.allowDeletes).toEqual({ kind: 'restart', scope: 'forceDeletes' });
    expect(INCIDENT_JOB_ACTIONS.restart).toEqual({ kind: 'restart', scope: 'default' });
    expect(INCIDENT_JOB_ACTIONS.showFailures).toBeUndefined();
    expect(INCIDENT_JOB_ACTIONS.keepBlocked).toBeUndefined();
  });

  it('describes actions in the words a confirmation uses and refuses unknown scopes', () => {
    expect(describeAction({ kind: 'restart', scope: 'forceDeletes' })).toBe('allow deletes');
    expect(describeAction({ kind: 'restart', scope: 'escrows' })).toBe('restart (escrows)');
    expect(isJobRestartScope('Full')).toBe(false);
    expect(isJobRestartScope('full')).toBe(true);
  });
});

describe('auditActionOf', () => {
  it('names each job action in the audit, allowing deletes as its own action', () => {
    expect(auditActionOf({ kind: 'start' })).toBe('job.start');
    expect(auditActionOf({ kind: 'pause' })).toBe('job.pause');
    expect(auditActionOf({ kind: 'restart', scope: 'default' })).toBe('job.restart');
    expect(auditActionOf({ kind: 'restart', scope: 'forceDeletes' })).toBe('job.allowDeletes');
  });
});
