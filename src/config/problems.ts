import type { ZodIssue } from 'zod';

/** One configuration problem, worded for the admin who has to fix it. */
export interface ConfigProblem {
  /** The variable or file and JSON path, e.g. `PORT` or `CTS_CONFIG configurations[0].sourceTenantId`. */
  where: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Configuration is not valid:\n${formatProblems(problems)}`);
    this.name = 'ConfigError';
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.where}: ${p.message}`).join('\n');
}

/** `['configurations', 0, 'name']` → `configurations[0].name` */
export function jsonPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

export function problemsFromZod(prefix: string, issues: ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    const path = jsonPath(issue.path);
    return { where: path ? `${prefix} ${path}`.trim() : prefix || '(root)', message: issue.message };
  });
}
