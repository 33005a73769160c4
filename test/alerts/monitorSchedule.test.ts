import { ManualClock } from '../../src/domain/clock';
import { Monitor, type MonitorDeps } from '../../src/services/monitor';

/** The monitor's timer: polls start one interval apart, so a slow poll does not push every alert later. */
describe('monitor schedule', () => {
  it('waits the interval minus the time the poll took before the next poll', async () => {
    const clock = new ManualClock();
    const scheduled: { fn: () => void; ms: number }[] = [];
    // The monitor's timers are the clock's: record what it arms instead of running it.
    jest.spyOn(clock, 'setTimeout').mockImplementation((fn, ms) => scheduled.push({ fn: () => void fn(), ms }));
    let polls = 0;
    // Only what a poll of an empty estate touches; reading the jobs "takes" 3 s of the injected clock.
    const deps = {
      configs: {
        all: [],
        readAllJobs: () => {
          polls++;
          clock.advance(3_000);
          return Promise.resolve([]);
        },
      },
      subscriptions: { audience: () => Promise.resolve(() => []) },
      leader: { isLeader: () => true },
      clock,
      pollIntervalSeconds: 10,
    } as unknown as MonitorDeps;
    const monitor = new Monitor(deps);
    monitor.start();
    expect(scheduled.map((s) => s.ms)).toEqual([0]);
    scheduled[0].fn();
    await monitor.pollOnce();
    await new Promise((r) => setImmediate(r));
    expect(polls).toBe(1);
    expect(scheduled.map((s) => s.ms)).toEqual([0, 7_000]);
    await monitor.stop();
  });
});
