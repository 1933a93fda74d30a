// Drives the dashboard in Debian's chromium: see the run progress to done, filter its dead-lettered
// targets, dry-run a redrive, keep a screenshot. Prints one JSON line with what it saw; exits 1 on
// any failed expectation. Inputs come from the environment (DashboardBrowserIT sets them).
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { DASHBOARD_URL, SB_TOKEN, RUN_ID, SCREENSHOT, CHROMIUM = '/usr/bin/chromium' } = process.env;
const seen = { states: [], progress: [] };

// A fresh profile per run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'sb-chromium-')), {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  // Requests to the DLQ stats in flight at once, and the most seen: polls must not overlap.
  const isStats = (request) => new URL(request.url()).pathname === '/api/dlq/stats';
  let statsInFlight = 0;
  seen.statsMostInFlight = 0;
  page.on('request', (r) => { if (isStats(r)) seen.statsMostInFlight = Math.max(seen.statsMostInFlight, ++statsInFlight); });
  let apiRequests = 0;
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) apiRequests++; });
  let runsAnswered = 0;
  const statsDone = (r) => { if (isStats(r)) statsInFlight--; };
  page.on('requestfinished', statsDone);
  page.on('requestfinished', (r) => { if (new URL(r.url()).pathname === '/api/runs') runsAnswered++; });
  page.on('requestfailed', statsDone);
  await page.goto(`${DASHBOARD_URL}/dashboard/?token=${encodeURIComponent(SB_TOKEN)}`);

  const runRow = page.locator(`#runs tbody tr[data-run-id="${RUN_ID}"]`);
  await runRow.waitFor();
  seen.tokenLeftInUrl = page.url().includes('token=');
  // Follow the run to its end, noting each state and progress text the page showed.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const state = await runRow.getAttribute('data-state');
    const progress = (await runRow.locator('td').nth(2).innerText()).trim();
    if (seen.states.at(-1) !== state) seen.states.push(state);
    if (seen.progress.at(-1) !== progress) seen.progress.push(progress);
    if (state !== 'running') break;
    if (Date.now() > deadline) throw new Error('the run did not finish in the dashboard within 180 s');
    await page.waitForTimeout(500);
  }

  await runRow.click();
  await page.selectOption('#state-filter', 'dead-lettered');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#targets tbody tr')];
    return rows.length > 0 && rows.every((r) => r.dataset.state === 'dead-lettered');
  });
  const failures = page.locator('#targets tbody tr');
  seen.deadLetteredShown = await failures.count();
  seen.firstError = (await failures.first().locator('td.error').innerText()).trim();

  await page.locator('#dlq-reasons tbody tr').first().waitFor();
  seen.dlqReasons = await page.locator('#dlq-reasons tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.reason));
  await page.click('#dry-run');
  await page.waitForFunction(() => document.querySelector('#redrive-result').textContent.startsWith('dry run'));
  seen.dryRun = (await page.locator('#redrive-result').innerText()).split('\n')[0];
  seen.redriveEnabledAfterDryRun = await page.locator('#redrive-now').isEnabled();
  // A walk that stopped before the end of the DLQ (its scan limit, or a minute of receiving) says
  // so, or an operator takes the part it reached for the whole.
  await page.route('**/api/dlq/redrive', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), complete: false } });
  });
  await page.click('#dry-run');
  await page.waitForFunction(() => document.querySelector('#redrive-result').textContent.includes('run it again'));
  seen.incompleteDryRun = await page.locator('#redrive-result').innerText();
  await page.unroute('**/api/dlq/redrive');

  // A committed target's history: same client as the first failure, a kind that succeeded.
  const client = (await failures.first().locator('td').first().innerText()).trim();
  await page.fill('#target-client', client);
  await page.fill('#target-name', 'entities');
  await page.click('#target-form button');
  await page.locator('#target-details p').waitFor();
  seen.targetDetails = (await page.locator('#target-details').innerText()).split('\n')[0];

  // A DLQ that takes 4 s to walk (a big one): the dashboard must wait for each answer instead of
  // asking again every poll, and the runs must stay live meanwhile.
  await page.route('**/api/dlq/stats', async (route) => {
    try {
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      await route.fulfill({ response });
    } catch {
      // The page gave up on it (or it was handled at the unroute): nothing left to answer.
    }
  });
  const runsBefore = runsAnswered;
  await page.waitForTimeout(9_000);
  seen.runsPolledWhileStatsSlow = runsAnswered - runsBefore;
  await page.unroute('**/api/dlq/stats');

  // A tab nobody looks at asks for nothing, and catches up when shown again.
  const setHidden = (hidden) => page.evaluate((h) => {
    if (h) Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    else delete document.hidden;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  await page.waitForTimeout(5_000); // the polls under way answer (a DLQ walk takes over 1 s)
  const requestsBefore = apiRequests;
  await page.waitForTimeout(4_000);
  seen.apiRequestsWhileHidden = apiRequests - requestsBefore;
  const requestsHidden = apiRequests;
  await setHidden(false);
  await page.waitForTimeout(1_000);
  seen.apiRequestsOnceShown = apiRequests - requestsHidden;

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  seen.screenshot = SCREENSHOT;
  console.log(JSON.stringify(seen));
} catch (e) {
  console.log(JSON.stringify({ ...seen, error: String(e && e.message || e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
