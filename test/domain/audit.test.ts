import { AUDIT_ACTIONS, isAuditAction } from '../../src/domain/audit';
import { AuditLog } from '../../src/store/audit';
import { MemoryStorage } from '../../src/store/memory';

describe('audit actions', () => {
  it('names each action once, as area.verb', () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    for (const a of AUDIT_ACTIONS) expect(a).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
    expect(isAuditAction('job.allowDeletes')).toBe(true);
    expect(isAuditAction('job.allowDelete')).toBe(false);
  });

  it('refuses a misspelt action at compile time (tsc checks the expect-error) and stores a known one as given', async () => {
    const log = new AuditLog(new MemoryStorage());
    const write = () =>
      // @ts-expect-error 'job.strat' is not an AuditAction
      log.append({ actor: 'system', action: 'job.strat', outcome: 'ok' });
    expect(typeof write).toBe('function');
    const stored = await log.append({ actor: 'system', action: 'job.start', outcome: 'ok' });
    expect(stored.action).toBe('job.start');
    expect((await log.last(5)).map((r) => r.action)).toEqual(['job.start']);
  });
});
