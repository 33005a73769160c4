/**
 * Renders the `why` card for a demo user with the Adaptive Cards renderer in headless Chromium and writes
 * docs/images/why-card.png (the README's picture). The card comes from the real service against the embedded
 * simulator's demo estate. Usage: npx ts-node --transpile-only scripts/why-card.ts [userPrincipalName]
 * Needs Chromium at CHROMIUM (default /usr/bin/chromium); nothing is downloaded.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { formatProblems, parseEstate } from '../src/config';
import { createCtsGraph } from '../src/graph/gateway';
import { Configurations } from '../src/services/configurations';
import { WhyService } from '../src/services/why';
import { DEMO, startSimulator } from '../src/simulator';
import { whyCard } from '../src/teams/why';

/** The part of the adaptivecards browser bundle (the page's `AdaptiveCards` global) this script drives. */
interface AdaptiveCardsGlobal {
  AdaptiveCard: new () => { hostConfig: unknown; parse(json: unknown): void; render(): unknown };
  HostConfig: new (config: object) => unknown;
}

/** Headless machines rarely have an emoji font: the picture shows the marks as DejaVu glyphs instead (Teams shows the emoji). */
function withoutEmoji(card: object): object {
  const marks: Record<string, string> = { '✅': '✔', '❌': '✘', ℹ️: 'ℹ', '❔': '?' };
  return JSON.parse(JSON.stringify(card).replace(/✅|❌|ℹ️|❔/g, (m) => marks[m] ?? m)) as object;
}

async function main(): Promise<void> {
  const who = process.argv[2] ?? DEMO.users.isaiah.userPrincipalName;
  const sim = await startSimulator({ port: 0, cycleIntervalMs: null });
  try {
    const parsed = parseEstate(sim.estate(), 'simulator estate');
    if (!parsed.ok) throw new Error(formatProblems(parsed.problems));
    const graph = createCtsGraph(parsed.estate);
    const configs = new Configurations(parsed.estate, graph);
    const config = configs.find(DEMO.configurations.contosoToFabrikam.name)!;
    const out = await new WhyService(configs, graph).explain(config, who);
    if (out.kind !== 'report') throw new Error(`no card for ${who}: ${out.kind}`);
    const reply = whyCard(out, configs.route(config), { canProvision: true });
    if (!('card' in reply)) throw new Error('no card');
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 560, height: 400 }, deviceScaleFactor: 1 });
      await page.setContent(
        '<html><body style="margin:0;background:#f5f5f5;font-family:Segoe UI,Helvetica,Arial,sans-serif"><div id="card" style="width:520px;margin:16px;background:#fff;border-radius:6px;box-shadow:0 1px 4px #0003"></div></body></html>',
      );
      await page.addStyleTag({ path: require.resolve('adaptivecards/dist/adaptivecards.css') });
      await page.addScriptTag({ path: require.resolve('adaptivecards/dist/adaptivecards.js') });
      await page.evaluate((json) => {
        // Runs in the page: the browser's globals, reached without the DOM typings this Node project does not load.
        const g = globalThis as unknown as { AdaptiveCards: AdaptiveCardsGlobal; document: { getElementById(id: string): { appendChild(n: unknown): void } } };
        const AC = g.AdaptiveCards;
        const card = new AC.AdaptiveCard();
        card.hostConfig = new AC.HostConfig({
          fontFamily: 'Segoe UI, Helvetica, Arial, sans-serif',
          containerStyles: {
            default: {
              foregroundColors: {
                default: { default: '#242424', subtle: '#616161' },
                good: { default: '#0e700e' },
                attention: { default: '#c4314b' },
                warning: { default: '#835b00' },
              },
            },
          },
        });
        card.parse(json);
        g.document.getElementById('card').appendChild(card.render());
      }, withoutEmoji(reply.card));
      const out = path.resolve(__dirname, '..', 'docs', 'images', 'why-card.png');
      mkdirSync(path.dirname(out), { recursive: true });
      await page.locator('#card').screenshot({ path: out });
      console.log(`wrote ${out}`);
    } finally {
      await browser.close();
    }
  } finally {
    await sim.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
