/**
 * The web page in a real browser (Debian's chromium through playwright-core) against a real server: it asks a
 * question, watches the answer grow while tokens stream in, clicks a citation and sees the cited source's snippet,
 * and saves a screenshot to test-results/. Outside CI the test is skipped when no chromium is installed.
 */

import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { slowTokens, startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.QUIVER_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM}; CI must install it`);

describe.skipIf(!available)('web page', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ generator: (g) => slowTokens(g, 40) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('asks, streams the answer in, and opens a citation on click', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(server.url);
    await expect(page.title()).resolves.toBe('Quiver');
    await page.fill('#question', 'What causes the tides?');
    await page.click('#ask');

    // While tokens arrive, the answer is seen at two different, growing lengths before it completes.
    const answer = page.locator('.turn .answer');
    await answer.and(page.locator('.streaming')).waitFor();
    const lengths: number[] = [];
    for (let i = 0; i < 40 && lengths.length < 2; i++) {
      const text = (await answer.textContent()) ?? '';
      if (text.length > 0 && (lengths.length === 0 || text.length > lengths.at(-1)!)) lengths.push(text.length);
      await page.waitForTimeout(30);
    }
    expect(lengths).toHaveLength(2);
    expect(await answer.evaluate((el) => el.classList.contains('streaming'))).toBe(true);

    await page.locator('.turn .sources').waitFor();
    await expect(answer.textContent()).resolves.toContain('gravitational pull of the Moon');
    const cite = answer.locator('button.cite').first();
    await expect(cite.textContent()).resolves.toBe('[1]');

    await cite.click();
    await page.locator('#source').waitFor({ state: 'visible' });
    await expect(page.locator('#source-title').textContent()).resolves.toMatch(/^\[1\] .*tides\.txt$/);
    await expect(page.locator('#source-text mark').first().textContent()).resolves.toContain(
      'Tides are caused mainly by the gravitational pull of the Moon',
    );
    await expect(page.locator('#source-where').textContent()).resolves.toMatch(/characters \d+–\d+/);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/web-page.png', fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  test('an error from the server shows its code', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.click('#settings summary');
    await page.fill('#collection', 'no_such_collection');
    await page.fill('#question', 'anything?');
    await page.click('#ask');
    await expect(page.locator('.turn .error').textContent()).resolves.toMatch(/^COLLECTION_NOT_FOUND: /);
  }, 30_000);
});
