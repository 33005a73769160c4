import { ConfigError, loadConfig } from '../../src/config';

/** The problems loadConfig reports for `env`, as "where: message" lines; fails the test if it accepts the env. */
export function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.where}: ${p.message}`);
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}
