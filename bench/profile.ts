import { writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';

/**
 * Profiles `work` with V8's sampling profiler (what `node --cpu-prof` writes) when `file` is set, so a profile covers
 * only the measured part of a scenario, not start-up. Read it with bench/profileTop.ts or Chrome DevTools.
 */
export async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  const post = <T = unknown>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await post<Profiler.StopReturnType>('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}
