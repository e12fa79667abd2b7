import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRequest, tokens } from '../../server/test/support/e2e-harness.js';
import { type PeopleHarness, people, startPeopleHarness } from '../../server/test/support/people-harness.js';
import { ensureConsoleBuilt, launchChromium, outputDir } from './support/console-browser.js';

let h: PeopleHarness;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  // Every wait on a person is "stuck" after 0.6 s, so the mark can be seen without waiting two hours.
  h = await startPeopleHarness({ sqlMode: 'auto', config: { console: { stuckAfterMinutes: 0.01 } } });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await h?.close();
});

/** A fresh browser (no cookies, no storage) that records every address the page asks for. */
async function openPage(language = 'en-US'): Promise<{ page: Page; requested: string[] }> {
  const context = await browser.newContext({ locale: language, viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  // Shorter than the test's own timeout, so a failure names the element it waited for.
  page.setDefaultTimeout(20_000);
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  return { page, requested };
}

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto(`${h.url}/`);
  await page.fill('input[name=username]', name);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

/** A mark that survives only as long as the page is not reloaded (page scripts as text: no DOM types here). */
const markPage = (page: Page) => page.evaluate("window.cdflowTestMark = 'no-reload'");
const pageMark = (page: Page) => page.evaluate<string | null>('window.cdflowTestMark ?? null');

describe('the console in a real browser', () => {
  it('a person signs in with their Jira account; a wrong password is refused on the page', async () => {
    const { page, requested } = await openPage();
    await signIn(page, people.alice.name, 'not-her-password');
    await expect(page.locator('.sign-in [role=alert]').textContent()).resolves.toContain('Jira refused');
    await page.fill('input[name=password]', people.alice.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('main.release-list');
    await expect(page.locator('header.top .who').textContent()).resolves.toBe(
      `Signed in as ${people.alice.displayName}`,
    );
    // Everything the page loaded came from cdflow itself: no CDN, nothing from the internet.
    expect(requested.filter((url) => !url.startsWith(h.url) && !url.startsWith('data:'))).toEqual([]);
  });

  it('follows a release from intake to uatComplete without a reload, and a person confirms the config from the page', async () => {
    const { page } = await openPage();
    await signIn(page, people.alice.name, people.alice.password);
    await page.waitForSelector('header.top .live.live');
    await markPage(page);

    const intake = await h.intake(sampleRequest());
    expect(intake.status).toBe(201);
    const releaseId = String(intake.body.releaseId);
    const key = String(intake.body.key);
    const row = page.locator(`tr[data-release="${releaseId}"]`);
    // The row appears and moves on by itself (server-sent events): SQL runs, then the config waits for ops.
    await row.waitFor();
    await page.waitForSelector(`tr[data-release="${releaseId}"][data-state="configExecuting"]`);
    // Waiting on ops longer than the threshold: the row stands out.
    await page.waitForSelector(`tr[data-release="${releaseId}"].stuck .wait-badge.stuck`);
    await page.screenshot({ path: join(outputDir, 'releases-list.png') });

    await row.locator('td a').first().click();
    await page.waitForSelector(`main.release[data-release="${releaseId}"][data-state="configExecuting"]`);
    await page.waitForSelector('svg.state-diagram g.node.current[data-state="configExecuting"]');
    await expect(page.locator('svg.state-diagram g.node.current').count()).resolves.toBe(1);
    // The SQL orders link to Archery by their workflow ids.
    const orderLink = page.locator('section.sql-orders a').first();
    await expect(orderLink.getAttribute('href')).resolves.toMatch(/\/detail\/\d+\/$/);

    await page.click('button[data-event="CONFIG_CONFIRMED"]');
    await expect(page.locator('section.actions [role=status]').textContent()).resolves.toContain(
      'sent as alice',
    );
    await page.waitForSelector(`main.release[data-state="uatComplete"]`);
    await page.waitForSelector('svg.state-diagram g.node.current[data-state="uatComplete"]');
    await page.waitForSelector('.timeline li[data-event="CONFIG_CONFIRMED"][data-actor="alice"]');
    await page.waitForSelector('section.deployments .deploy-status.success');
    expect(await pageMark(page)).toBe('no-reload');
    await page.screenshot({ path: join(outputDir, 'release-uatComplete.png'), fullPage: true });

    const confirmed = (await h.history(key)).find((e) => e.event === 'CONFIG_CONFIRMED');
    expect(confirmed).toMatchObject({ source: 'operator', actor: 'alice', accepted: true });
  }, 90_000);

  it('searching and filtering narrow the list, and the filters stay in the address', async () => {
    const marked = `【A18】【升级】console_search_${Date.now()}`;
    await h.intake(sampleRequest({ summary: marked }));
    const { page } = await openPage();
    await signIn(page, people.bob.name, people.bob.password);
    await page.waitForSelector('main.release-list table.releases');
    await page.fill('input[name=q]', 'console_search_');
    await expect
      .poll(() => new URL(page.url()).searchParams.get('q'), { timeout: 20_000 })
      .toBe('console_search_');
    const rows = page.locator('table.releases tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain(marked);
    await page.selectOption('select[name=state]', 'closed');
    await page.waitForSelector('main.release-list p.empty');
    expect(new URL(page.url()).searchParams.get('state')).toBe('closed');
  });

  it('speaks Chinese and English; the choice is remembered; Jira names are the site’s own', async () => {
    const { page } = await openPage('en-US');
    await signIn(page, people.alice.name, people.alice.password);
    await page.waitForSelector('main.release-list table.releases');
    await expect(page.locator('table.releases th').first().textContent()).resolves.toBe('Key');
    await page.click('fieldset.language button[lang=zh]');
    await expect(page.locator('table.releases th').first().textContent()).resolves.toBe('编号');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await page.reload();
    await page.waitForSelector('main.release-list table.releases');
    await expect(page.locator('header.top .who').textContent()).resolves.toContain('已登录');
    // The state badge shows the Jira status exactly as the API gives it.
    const listed = await h.call('/api/releases?limit=1', { token: tokens.operator });
    const first = (listed.body.items as Array<{ releaseId: string; jiraStatus: string }>)[0]!;
    await expect(
      page.locator(`tr[data-release="${first.releaseId}"] .state-badge .jira-status`).textContent(),
    ).resolves.toBe(first.jiraStatus);
    await page.screenshot({ path: join(outputDir, 'releases-list-zh.png') });
  });
});
