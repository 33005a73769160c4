import { SingleProcessLeader } from '../../src/store/leader';

describe('SingleProcessLeader', () => {
  it('leads from start to stop and reports each change once', async () => {
    const leader = new SingleProcessLeader();
    const seen: boolean[] = [];
    const off = leader.onChange((v) => seen.push(v));
    expect(leader.isLeader()).toBe(false);
    await leader.start();
    await leader.start();
    expect(leader.isLeader()).toBe(true);
    await leader.stop();
    expect(leader.isLeader()).toBe(false);
    off();
    await leader.start();
    expect(seen).toEqual([true, false]);
  });
});
