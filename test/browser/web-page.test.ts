/**
 * The web page in a real browser (chromium through playwright-core) against `webRoutes()` and `askRoutes()` on a
 * bare express app over the real ask corpus: it asks a question, watches the answer grow while tokens stream in,
 * clicks a citation and sees the cited source's snippet, and saves a screenshot to test-results/. It also checks
 * that the page breaks no Content-Security-Policy rule, shows errors with their code, keeps the API key and sends
 * it as a bearer token, and shows untrusted text as text. Without chromium the test is skipped, except in CI.
 */

import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TransformersEmbedder } from '../../src/embed/transformers-embedder.js';
import type { GenerateEvent, GenerateRequest, Generator } from '../../src/generate/generator.js';
import { pipelineSchema } from '../../src/pipeline/pipeline-schema.js';
import { createServerContext, type ServerContext } from '../../src/server/context.js';
import { errorHandler } from '../../src/server/http-errors.js';
import { askRoutes } from '../../src/server/routes/ask.js';
import { webRoutes } from '../../src/server/routes/web.js';
import { type AskCorpus, ingestAskCorpus } from '../ask/corpus.js';
import { testEmbedder } from '../helpers/model.js';

const CHROMIUM = process.env.QUIVER_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM}; CI must install it`);

/** The same generator, its tokens cut into words with a pause before each, so the page is seen mid-answer. */
function slowly(inner: Generator, delayMs: number): Generator {
  return {
    modelId: inner.modelId,
    generate: (request) => inner.generate(request),
    async *stream(request: GenerateRequest): AsyncIterable<GenerateEvent> {
      for await (const event of inner.stream(request)) {
        if (event.type !== 'token') {
          yield event;
          continue;
        }
        for (const text of event.text.match(/\s*\S+|\s+$/g) ?? []) {
          await sleep(delayMs, undefined, { signal: request.signal });
          yield { type: 'token', text };
        }
      }
    },
  };
}

/**
 * Waits until the answer, still streaming, is longer than `longerThan`, and returns its length. It polls from
 * here rather than with waitForFunction, whose in-page evaluation the page's CSP (rightly) refuses.
 */
async function streamingLength(page: Page, longerThan: number): Promise<number> {
  const streaming = page.locator('.turn .answer.streaming');
  for (let i = 0; i < 2_000; i++) {
    const [text] = await streaming.allTextContents();
    if (text !== undefined && text.length > longerThan) return text.length;
    await sleep(5);
  }
  throw new Error(`the answer never grew past ${longerThan} characters while streaming`);
}

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

describe.skipIf(!available)('web page', () => {
  let embedder: TransformersEmbedder;
  let corpus: AskCorpus;
  let server: Server;
  let url: string;
  let browser: Browser;
  let ctx: ServerContext;
  /** The Authorization header of each /ask request. */
  const authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    embedder = await testEmbedder();
    corpus = await ingestAskCorpus(embedder);
    const base = createServerContext({
      db: corpus.db,
      config: pipelineSchema.parse({}),
      collectionName: 'chunks',
      embedder,
    });
    ctx = {
      ...base,
      rag: async (collection) => {
        const rag = await base.rag(collection);
        return { ...rag, components: { ...rag.components, generator: slowly(rag.components.generator, 40) } };
      },
    };
    const app = express();
    app.use(webRoutes());
    app.use(express.json());
    app.use('/ask', (req, _res, next) => {
      authorizations.push(req.headers.authorization);
      next();
    });
    app.use(askRoutes(ctx));
    app.use(errorHandler());
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await corpus?.close();
    await embedder?.dispose();
  });

  /** A fresh page that records console errors, page errors, CSP violations and failed requests. */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective));",
    );
    await page.goto(url);
    return { page, problems };
  }

  test('serves the page with a strict Content-Security-Policy and its script in a file', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${url}app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  test('asks, streams the answer in, and opens a citation on click', async () => {
    const { page, problems } = await openPage();
    await expect(page.title()).resolves.toBe('Quiver');
    await expect(page.evaluate('document.compatMode')).resolves.toBe('CSS1Compat');
    await page.getByRole('textbox', { name: 'Question', exact: true }).fill('What causes the tides?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();

    // While tokens arrive, the answer is seen at one length and later at a longer one, still streaming.
    const first = await streamingLength(page, 0);
    const later = await streamingLength(page, first);
    expect(first).toBeGreaterThan(0);
    expect(later).toBeGreaterThan(first);
    await expect(page.locator('.turn .answer').getAttribute('aria-busy')).resolves.toBe('true');

    await page.locator('.turn .sources').waitFor();
    const answer = page.locator('.turn .answer');
    await expect(answer.getAttribute('aria-busy')).resolves.toBe('false');
    await expect(answer.getAttribute('aria-live')).resolves.toBe('polite');
    await expect(answer.textContent()).resolves.toMatch(
      /^Tides are caused mainly by the gravitational pull of the Moon on the oceans\. \[1\]/,
    );
    const cite = answer.locator('button.cite').first();
    await expect(cite.textContent()).resolves.toBe('[1]');
    await expect(page.locator('.turn .error').count()).resolves.toBe(0);

    await cite.click();
    await page.locator('#source').waitFor({ state: 'visible' });
    await expect(page.locator('#source-title').textContent()).resolves.toBe(`[1] ${corpus.docId('tides.txt')}`);
    await expect(page.locator('#source-text mark').first().textContent()).resolves.toBe(
      'Tides are caused mainly by the gravitational pull of the Moon on the oceans.',
    );
    // The tides passage is merged across a blank line, so it is located by its quotes' offsets.
    await expect(page.locator('#source-where').textContent()).resolves.toMatch(/^quoted at characters 0–76, \d+–\d+$/);

    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: `${RESULTS}web-page.png`, fullPage: true });

    await page.keyboard.press('Escape');
    await page.locator('#source').waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
    await page.close();
  });

  test('Stop cancels the answer mid-stream, on the server too', async () => {
    const { page, problems } = await openPage();
    await page.fill('#question', 'What causes the tides?');
    await page.click('#ask');
    await streamingLength(page, 0);
    await page.click('#stop');
    await expect(page.locator('.turn .error').textContent()).resolves.toBe('ABORTED: stopped');
    await expect(page.locator('.turn .answer.streaming').count()).resolves.toBe(0);
    await expect(page.locator('.turn .sources').count()).resolves.toBe(0);
    for (let i = 0; i < 100 && ctx.inFlight.count > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ctx.inFlight.count).toBe(0);
    await expect(page.locator('#ask').isEnabled()).resolves.toBe(true);
    await expect(page.locator('#stop').isDisabled()).resolves.toBe(true);
    // The cancelled fetch is the one failed request.
    expect(problems).toEqual([`request failed: ${url}ask`]);
    await page.close();
  });

  test('shows an error with its code, and untrusted text as text', async () => {
    const { page, problems } = await openPage();
    await page.click('#settings summary');
    await page.fill('#collection', 'no_such_collection');
    const question = '<img src=x id=injected> what?';
    await page.fill('#question', question);
    await page.press('#question', 'Enter');
    await expect(page.locator('.turn .error').textContent()).resolves.toMatch(/^COLLECTION_NOT_FOUND: /);
    await expect(page.locator('.turn .question').textContent()).resolves.toBe(question);
    await expect(page.locator('#injected').count()).resolves.toBe(0);
    // The 404 itself is the one console error a browser reports here.
    expect(problems).toEqual([expect.stringMatching(/^console: Failed to load resource: .* 404 /)]);
    await page.close();
  });

  test('keeps the API key across reloads and sends it as a bearer token', async () => {
    const { page } = await openPage();
    await page.click('#settings summary');
    await page.fill('#api-key', 'secret-key');
    await page.press('#api-key', 'Tab');
    await page.reload();
    await expect(page.inputValue('#api-key')).resolves.toBe('secret-key');
    authorizations.length = 0;
    await page.fill('#question', 'Why does sourdough bread rise?');
    await page.click('#ask');
    await page.locator('.turn .sources').waitFor();
    expect(authorizations).toEqual(['Bearer secret-key']);
    await page.close();
  });
});
