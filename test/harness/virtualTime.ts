import type { ManualClock } from '../../src/domain/clock';

/**
 * Time for the Graph gateway in tests: `sleep` advances a ManualClock instead of waiting, but only once no Graph
 * request is on the wire — as if requests took no time. Otherwise a 10 s jump could land in the middle of a request
 * and the simulator (on the same clock) would stamp it 10 s late. `fetch` must be passed to the gateway too.
 */
export function virtualGraphTime(clock: ManualClock, realFetch: typeof fetch = fetch) {
  const sleeps: number[] = [];
  let inFlight = 0;
  const whenIdle: (() => void)[] = [];
  const trackedFetch: typeof fetch = async (input, init) => {
    inFlight++;
    try {
      return await realFetch(input, init);
    } finally {
      if (--inFlight === 0) whenIdle.splice(0).forEach((resolve) => resolve());
    }
  };
  return {
    sleeps,
    fetch: trackedFetch,
    time: {
      now: () => clock.now(),
      sleep: async (ms: number) => {
        if (inFlight > 0) await new Promise<void>((resolve) => whenIdle.push(resolve));
        sleeps.push(ms);
        clock.advance(ms);
      },
    },
  };
}
