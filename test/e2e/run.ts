/**
 * End-to-end walk-through in a real Teams-like client: the bot (demo estate, embedded simulator), an Agents Playground
 * for the operator (Adele) and one for the approver (Megan), driven by Debian's Chromium through playwright-core.
 * Every step leaves a screenshot under test-results/e2e/. Run with `npm run test:e2e`; exits 1 on the first failure.
 *
 * No browser is downloaded: CHROMIUM (default /usr/bin/chromium) must exist (.ci/run installs it with apt).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { Health } from '../../src/server';
import { DEMO } from '../../src/simulator/demoIds';
import type { TripDeletesAnswer } from '../harness/sim';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'test-results', 'e2e');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CONTOSO = DEMO.tenants.contoso.id;
const C2F = DEMO.configurations.contosoToFabrikam;
const C2N = DEMO.configurations.contosoToNorthwind;
/** Cards arrive within a second; alerts wait for the monitor's next poll (15 s in the demo estate) and a cycle. */
const CARD_MS = 15_000;
const ALERT_MS = 60_000;

const children: ChildProcess[] = [];
let browser: BrowserContext | undefined;
let userDataDir: string | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a process in its own group (so stopping it stops its children) and waits for `ready` in its output. */
function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const log = createWriteStream(path.join(OUT, `${name}.log`));
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 90 s (see ${name}.log)`)), 90_000);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen = (seen + chunk.toString()).slice(-4000);
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready (see ${name}.log)`));
    });
  });
}

function stopAll(): void {
  for (const c of children) {
    if (c.pid && c.exitCode === null) {
      try {
        process.kill(-c.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

async function json<T = unknown>(url: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

// ---------------------------------------------------------------------------------------------
// The Playground page

/** The message box: the Playground's composer. */
async function say(page: Page, text: string): Promise<void> {
  const box = page.getByPlaceholder('Type a message...').or(page.locator('[contenteditable="true"]')).first();
  await box.click();
  await box.fill(text);
  await page.keyboard.press('Enter');
}

/** The newest card whose text matches. */
function card(page: Page, text: string | RegExp): Locator {
  return page.locator('.ac-adaptiveCard', { hasText: text }).last();
}

async function waitCard(page: Page, text: string | RegExp, timeout = CARD_MS): Promise<Locator> {
  const c = card(page, text);
  await c.waitFor({ state: 'visible', timeout });
  await c.scrollIntoViewIfNeeded();
  return c;
}

async function cardText(c: Locator): Promise<string> {
  return (await c.innerText()).replace(/\s+/g, ' ');
}

async function shot(page: Page, name: string, target?: Locator): Promise<string> {
  const file = path.join(OUT, `${name}.png`);
  if (target) await target.screenshot({ path: file });
  else await page.screenshot({ path: file });
  return file;
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`expected ${what}`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (no browser is downloaded)`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const [botPort, meganPort, adelePort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cts-e2e-data-'));
  const node = process.execPath;
  const tsNode = ['--disable-warning=DEP0111', '-r', 'ts-node/register/transpile-only'];

  await start(
    'bot',
    node,
    [...tsNode, 'src/index.ts'],
    { PORT: String(botPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn', CTS_CONFIG: '', MONITOR: 'on' },
    /listening on/,
  );
  const health = await json<Health>(`http://127.0.0.1:${botPort}/healthz`);
  const sim = health.simulatorUrl as string;
  const endpoint = `http://localhost:${botPort}/api/messages`;
  const playground = (who: string, port: number) =>
    start(
      `playground-${who}`,
      node,
      [...tsNode, 'scripts/playground-as.ts', who, '-p', String(port), '--disable-telemetry'],
      { BOT_ENDPOINT: endpoint, TEAMSAPPTESTER_BROWSER: 'none' },
      /Listening on/,
    );
  await Promise.all([playground('megan', meganPort), playground('adele', adelePort)]);

  userDataDir = mkdtempSync(path.join(tmpdir(), 'cts-e2e-chromium-'));
  // A new, empty profile every run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const open = async (port: number) => {
    const page = await browser!.newPage();
    await page.goto(`http://localhost:${port}`);
    await waitCard(page, "Hello, I'm CTS Ops", 30_000);
    // The Playground's log panel takes a third of the window: close it so the chat has Teams' width.
    await page
      .locator('button[title="Toggle Log Panel"]')
      .click({ timeout: 5000 })
      .catch(() => undefined);
    return page;
  };
  const megan = await open(meganPort);
  const adele = await open(adelePort);

  const steps: [string, () => Promise<void>][] = [
    [
      'help',
      async () => {
        await say(megan, 'help');
        const c = await waitCard(megan, /Operate Microsoft Entra cross-tenant synchronization/);
        expect((await cardText(c)).includes('status'), 'the help card to list "status"');
        await shot(megan, '01-help');
      },
    ],
    [
      'status',
      async () => {
        await say(megan, 'status');
        const c = await waitCard(megan, 'Cross-tenant sync status');
        const text = await cardText(c);
        for (const name of [C2F.name, C2N.name]) expect(text.includes(name), `status to list ${name}`);
        await shot(megan, '02-status');
        await shot(megan, 'readme-status', c);
      },
    ],
    [
      'the approver subscribes to approvals and alerts',
      async () => {
        await say(megan, 'subscribe approvals all');
        await waitCard(megan, /Subscribed|Already subscribed/);
        await say(megan, 'subscribe alerts all');
        await waitCard(megan, /Alerts for all configurations (will be|are already) posted/);
        await shot(megan, '03-subscribed');
      },
    ],
    [
      'a request by the operator appears as an approval card',
      async () => {
        await say(adele, `request add user ${DEMO.users.nestor.userPrincipalName} to ${C2F.name} because joins the Fabrikam project (e2e)`);
        const mine = await waitCard(adele, /Add to sync scope/);
        const id = /REQ-[0-9A-Z]{5}/.exec(await cardText(mine))?.[0];
        expect(!!id, "a request id on the requester's card");
        await shot(adele, '04-request-sent');
        const theirs = await waitCard(megan, new RegExp(`${id}[\\s\\S]*Waiting for approval|Waiting for approval[\\s\\S]*${id}`));
        await shot(megan, '05-approval-card');
        requestId = id!;
        void theirs;
      },
    ],
    [
      'the approver approves and both cards update',
      async () => {
        let c = card(megan, requestId);
        const approve = c.getByRole('button', { name: 'Approve' });
        if (!(await approve.isVisible())) await c.getByRole('button', { name: /Show my options|Refresh/ }).click();
        c = card(megan, requestId);
        await c.getByRole('button', { name: 'Approve' }).waitFor({ timeout: CARD_MS });
        await shot(megan, 'readme-approval', c);
        await c.getByRole('button', { name: 'Approve' }).click();
        await waitCard(megan, new RegExp(`${requestId}[\\s\\S]*(Done|Approved)|(Done|Approved)[\\s\\S]*${requestId}`));
        await shot(megan, '06-approved');
        await waitCard(adele, /Approved by Megan Bowen/);
        await shot(adele, '07-requester-sees-decision');
      },
    ],
    [
      'a quarantine arrives as an alert and Restart resolves it',
      async () => {
        await json(`${sim}/_sim/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2F.jobId)}/quarantine`, 'POST', {
          reason: 'QuarantinedOnDemand',
          message: 'Quarantined for the end-to-end test.',
        });
        const alert = await waitCard(megan, new RegExp(`Alert ${C2F.name}@`), ALERT_MS);
        expect((await cardText(alert)).includes(C2F.name), 'the alert to name the configuration');
        await shot(megan, '08-alert');
        await shot(megan, 'readme-alert', alert);
        await alert.getByRole('button', { name: 'Restart' }).click();
        const confirm = await waitCard(megan, /Restart contoso-to-fabrikam\?/);
        await shot(megan, '09-confirm');
        await confirm.getByRole('button', { name: 'Restart' }).click();
        await waitCard(megan, /Restart contoso-to-fabrikam: done/);
        await waitCard(megan, /Resolved: /, ALERT_MS);
        await shot(megan, '10-resolved');
      },
    ],
    [
      'a deletion-threshold alert shows the right count',
      async () => {
        const tripped = await json<TripDeletesAnswer>(`${sim}/_sim/tenants/${CONTOSO}/trip-deletes/${encodeURIComponent(C2N.jobId)}`, 'POST');
        await json(`${sim}/_sim/tenants/${CONTOSO}/jobs/${encodeURIComponent(C2N.jobId)}/cycle`, 'POST');
        const alert = await waitCard(megan, new RegExp(`Alert ${C2N.name}@`), ALERT_MS);
        const text = await cardText(alert);
        await shot(megan, '11-deletion-threshold');
        expect(
          new RegExp(`\\b${tripped.wouldDelete}( or more)? deletions?( or disables)? held back`).test(text),
          `"${tripped.wouldDelete} deletions held back" on the card, got: ${text.slice(0, 300)}`,
        );
      },
    ],
  ];

  let failed = 0;
  for (const [name, run] of steps) {
    const began = Date.now();
    try {
      await run();
      console.log(`✓ ${name} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed++;
      console.log(`✗ ${name}: ${(err as Error).message.split('\n')[0]}`);
      await shot(megan, `failed-${name.replace(/\W+/g, '-')}-approver`).catch(() => undefined);
      await shot(adele, `failed-${name.replace(/\W+/g, '-')}-operator`).catch(() => undefined);
      break;
    }
  }
  console.log(`${failed ? 'FAILED' : 'passed'}: screenshots in ${path.relative(ROOT, OUT)}/`);
  // The README's pictures come from this run: `E2E_UPDATE_DOCS=1 npm run test:e2e` copies them to docs/.
  if (process.env.E2E_UPDATE_DOCS === '1') {
    for (const name of ['status', 'approval', 'alert']) {
      const from = path.join(OUT, `readme-${name}.png`);
      if (existsSync(from)) copyFileSync(from, path.join(ROOT, 'docs', `playground-${name}.png`));
    }
  }
  process.exitCode = failed ? 1 : 0;
}

let requestId = '';

main()
  .catch((err) => {
    console.error(`e2e: ${(err as Error).message}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await browser?.close().catch(() => undefined);
    stopAll();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });
