import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';
import { bearer, createAgent } from '../helpers/factories';
import { ROOT } from '../helpers/server-process';
import { startTestApp, TestApp } from '../helpers/test-app';

// Debian's chromium; nothing is downloaded at install time (playwright-core ships no browser).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT = join(ROOT, 'test-results', 'swagger-ui.png');
const FORCE_RELEASE_SCREENSHOT = join(ROOT, 'test-results', 'swagger-ui-force-release.png');
const FAILURE_SCREENSHOT = join(ROOT, 'test-results', 'swagger-ui-failure.png');

/** Opens an operation, clicks "Try it out", fills its path parameters, executes, and returns the answer as shown in the page. */
async function tryItOut(page: Page, tag: string, operationId: string, params: Record<string, string> = {}): Promise<{ status: string; body: unknown }> {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  for (const [name, value] of Object.entries(params)) await op.locator(`tr[data-param-name="${name}"] input`).fill(value);
  await op.locator('button.execute').click();
  const live = op.locator('.live-responses-table .response').first();
  const status = (await cell(page, op, live.locator('.response-col_status'))).trim();
  const body = await live.locator('.response-col_description .highlight-code pre').first().innerText();
  return { status, body: JSON.parse(body) };
}

async function cell(page: Page, op: Locator, locator: Locator): Promise<string> {
  try {
    await locator.waitFor({ state: 'visible' });
  } catch (error) {
    // What the page showed instead is the quickest way to see why.
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await op.screenshot({ path: FAILURE_SCREENSHOT });
    throw new Error(`${(error as Error).message}\nThe operation as it was (${FAILURE_SCREENSHOT}):\n${(await op.innerText()).slice(0, 3000)}`);
  }
  return locator.innerText();
}

/** Issue 14 §3: the board's path through the Swagger UI, in a real browser, against a running server. */
describe('Swagger UI in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or point CHROMIUM_PATH at one. This test does not skip.`);
    }
    [t, browser] = await Promise.all([startTestApp(), chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })]);
    page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a board user authorizes, creates a company and an issue, and force-releases a checked-out issue, each with Try it out', async () => {
    const { port } = t.app.getHttpServer().address() as { port: number };
    await page.goto(`http://127.0.0.1:${port}/docs`);

    await page.locator('.scheme-container button.authorize').click();
    const board = page.locator('.auth-container').filter({ has: page.locator('h4', { hasText: /^board/ }) });
    await board.locator('input').fill(t.adminKey);
    await board.locator('button.authorize').click();
    await board.locator('button', { hasText: 'Logout' }).waitFor();
    await board.locator('button.btn-done').click();

    const company = await tryItOut(page, 'companies', 'CompaniesController_create');
    expect(company).toEqual({ status: '201', body: expect.objectContaining({ name: 'Paper Clips Inc', id: expect.any(String) }) });
    const companyId = (company.body as { id: string }).id;

    const issue = await tryItOut(page, 'issues', 'IssuesController_create', { companyId });
    expect(issue).toEqual({ status: '201', body: expect.objectContaining({ title: 'Fix the login page', status: 'todo', companyId }) });
    const { id: issueId, identifier } = issue.body as { id: string; identifier: string };

    // An agent checks the issue out through the API, in a run it started: the issue now has a holder.
    const agent = await createAgent(t, companyId);
    const run = await t.http().post(`/api/agents/${agent.id}/heartbeat/invoke`).set(bearer(agent.key)).send({}).expect(202);
    const started = await t.http().post(`/api/heartbeat-runs/${run.body.id}/start`).set(bearer(agent.key)).expect(200);
    await t.http().post(`/api/issues/${issueId}/checkout`).set(bearer(started.body.token)).send({ agentId: agent.id, expectedStatuses: ['todo'] }).expect(200);

    const released = await tryItOut(page, 'ownership', 'OwnershipController_forceRelease', { id: identifier });
    expect(released).toEqual({
      status: '200',
      body: expect.objectContaining({
        issue: expect.objectContaining({ id: issueId, checkoutRunId: null, executionRunId: null }),
        previous: expect.objectContaining({ checkoutRunId: run.body.id, cancelledRunIds: [run.body.id] }),
      }),
    });

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.locator('#operations-ownership-OwnershipController_forceRelease').screenshot({ path: FORCE_RELEASE_SCREENSHOT });
    expect(existsSync(SCREENSHOT) && existsSync(FORCE_RELEASE_SCREENSHOT)).toBe(true);
  });
});
