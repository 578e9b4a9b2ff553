/**
 * The HTML loader on real pages: main-content selection, dropping of scripts and page chrome, block structure
 * as line breaks and blank lines, entity decoding, whitespace collapsing, <pre> kept verbatim, title fallbacks.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { htmlToText } from '../../../src/ingest/loaders/html.js';
import { loadFile } from '../../../src/ingest/loaders/registry.js';
import { expectWellFormed, type Fixtures, makeFixtures } from './fixtures.js';

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <title>  Caf&eacute; &amp; Co  </title>
  <style>body { color: red }</style>
  <script>var html = "<p>not text</p>";</script>
</head>
<body>
  <header><h1>Site banner</h1></header>
  <nav><ul><li>Home</li><li>About</li></ul></nav>
  <div class="layout">
    <aside>Sidebar ad</aside>
    <div class="wrap">
      <main>
        <h1>Menu   of the
            day</h1>
        <p>Fish &amp; chips&nbsp;for &lt;5&gt; &euro;, &#8220;fresh&#x201D;.</p>
        <script>track()</script>
        <noscript>Enable JS</noscript>
        <p>Two<br>lines</p>
        <ul>
          <li>Soup</li>
          <li><b>Bread</b> and <i>butter</i></li>
        </ul>
        <pre>
  indented   code
    &lt;kept&gt;
</pre>
        <table><tr><th>Dish</th><th>Price</th></tr><tr><td>Pie</td><td>4</td></tr></table>
        <form><input value="search"><button>Go</button></form>
        <div hidden>secret</div>
        <section><h2>Notes</h2><div>Closed <span>Mondays</span>.</div></section>
      </main>
    </div>
  </div>
  <footer>&copy; 2024 Footer text</footer>
</body>
</html>`;

describe('htmlLoader', () => {
  let fx: Fixtures;
  beforeEach(async () => {
    fx = await makeFixtures();
  });
  afterEach(() => fx.remove());

  it('extracts the nested <main> without scripts, nav, header, footer, aside or forms', async () => {
    const file = await fx.write('site/menu.html', PAGE);
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'html');
    expect(doc!.title).toBe('Café & Co');
    expect(doc!.text).toBe(
      [
        'Menu of the day',
        '',
        'Fish & chips for <5> €, “fresh”.',
        '',
        'Two',
        'lines',
        '',
        'Soup',
        'Bread and butter',
        '',
        '  indented   code',
        '    <kept>',
        '',
        'Dish | Price',
        'Pie | 4',
        '',
        'Notes',
        '',
        'Closed Mondays.',
      ].join('\n'),
    );
    for (const noise of ['banner', 'Home', 'Sidebar', 'not text', 'track', 'Enable JS', 'Footer', 'secret', 'Go']) {
      expect(doc!.text).not.toContain(noise);
    }
  });

  it('uses a lone <article> when there is no <main>, and <body> otherwise', () => {
    const article = htmlToText('<body><nav>x</nav><p>outside</p><article><p>inside</p></article></body>', 'f');
    expect(article.text).toBe('inside');
    const two = htmlToText('<body><article><p>one</p></article><article><p>two</p></article></body>', 'f');
    expect(two.text).toBe('one\n\ntwo');
    const body = htmlToText('<html><body>Loose <em>text</em>\n\n  here</body></html>', 'f');
    expect(body.text).toBe('Loose text here');
  });

  it('title falls back to the first <h1>, then the file name', async () => {
    expect(htmlToText('<body><h2>x</h2><h1>The &amp; H1</h1></body>', 'file').title).toBe('The & H1');
    const file = await fx.write('Plain Page.htm', '<p>no title anywhere</p>');
    const [doc] = await loadFile(file);
    expectWellFormed(doc!, file, 'html');
    expect(doc!.title).toBe('Plain Page');
    expect(doc!.text).toBe('no title anywhere');
  });

  it('a double <br> makes a blank line; inline elements do not break lines', () => {
    expect(htmlToText('<p>a<br><br>b <a href="#">link</a>, c</p>', 'f').text).toBe('a\n\nb link, c');
  });
});
