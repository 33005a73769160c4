import { readFileSync } from 'node:fs';

/**
 * `node -r ts-node/register/transpile-only bench/profileTop.ts <file.cpuprofile> [n]`: the functions with the most
 * self time in a `node --cpu-prof` profile, and the files (by package or src/ path) they live in.
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profileTop <file.cpuprofile> [n]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const s = /\/(src|bench|test)\/(.*)$/.exec(url);
  return s ? `${s[1]}/${s[2]}` : url || '(native)';
};
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of profile.nodes) {
  const t = self.get(node.id) ?? 0;
  if (!t) continue;
  const key = `${node.callFrame.functionName || '(anonymous)'}  ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
  byFile.set(where(node.callFrame.url), (byFile.get(where(node.callFrame.url)) ?? 0) + t);
}
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(n))
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`)
    .join('\n');
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms\n\nby function (self time)\n${top(byFn)}\n\nby package / file\n${top(byFile)}\n`);
