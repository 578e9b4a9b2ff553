// The Quiver web page's script: posts the question to /ask with Accept: text/event-stream (EventSource cannot
// POST), reads the SSE body as it arrives and shows each token, then turns [n] markers into buttons that open the
// cited source in the side panel with the quoted parts highlighted. No framework and no build step; every piece
// of server text goes into the page as text (textContent, text nodes), never as HTML.

const $ = (id) => document.getElementById(id);
const form = $('ask-form');
const questionBox = $('question');
const askButton = $('ask');
const stopButton = $('stop');
const log = $('log');
const keyBox = $('api-key');
const collectionBox = $('collection');
const panel = $('source');

const KEY_STORAGE = 'quiver-api-key';
keyBox.value = localStorage.getItem(KEY_STORAGE) ?? '';
keyBox.addEventListener('change', () => {
  if (keyBox.value) localStorage.setItem(KEY_STORAGE, keyBox.value);
  else localStorage.removeItem(KEY_STORAGE);
});

/** Reads an SSE body and calls onEvent(name, data) per event; comments (heartbeats) are skipped. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    // A CR at the end of a chunk may be the first half of a CRLF, so it waits for the next chunk.
    pending += value;
    const cut = pending.endsWith('\r') ? pending.length - 1 : pending.length;
    text += pending.slice(0, cut).replace(/\r\n?/g, '\n');
    pending = pending.slice(cut);
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}

/** Where a citation sits: its page or heading path, and its characters in the document (or its quotes'). */
function place(c) {
  const where = c.page != null ? `page ${c.page}` : (c.headings ?? []).join(' › ');
  let range = '';
  if (c.start != null && c.end != null) range = `characters ${c.start}–${c.end}`;
  else {
    // The passage is no one slice of the document (merged across a gap), but its quotes are still located.
    const spans = (c.quotes ?? []).filter((q) => q.start != null && q.end != null).map((q) => `${q.start}–${q.end}`);
    if (spans.length > 0) range = `quoted at characters ${spans.join(', ')}`;
  }
  return [where, range].filter(Boolean).join(', ');
}

/** Where each quote lies in the citation's text: by offsets when both are known, else by searching for it. */
function quoteRanges(c) {
  const ranges = [];
  for (const q of c.quotes ?? []) {
    let from = c.start != null && q.start != null ? q.start - c.start : -1;
    if (c.text.slice(from, from + q.text.length) !== q.text) from = c.text.indexOf(q.text);
    if (from >= 0) ranges.push({ from, to: from + q.text.length });
  }
  return ranges.sort((a, b) => a.from - b.from);
}

let opener = null;

/** Opens the side panel on a citation: its file, where in it, and its text with the quoted parts marked. */
function showSource(c, button) {
  $('source-title').textContent = `[${c.n}] ${c.source}`;
  $('source-where').textContent = place(c);
  const box = $('source-text');
  box.replaceChildren();
  let at = 0;
  for (const { from, to } of quoteRanges(c)) {
    if (from < at) continue;
    const mark = document.createElement('mark');
    mark.textContent = c.text.slice(from, to);
    box.append(c.text.slice(at, from), mark);
    at = to;
  }
  box.append(c.text.slice(at));
  panel.hidden = false;
  document.body.classList.add('with-source');
  opener = button;
  $('source-close').focus();
}

function closeSource() {
  panel.hidden = true;
  document.body.classList.remove('with-source');
  opener?.focus();
  opener = null;
}

$('source-close').addEventListener('click', closeSource);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !panel.hidden) closeSource();
});

function citeButton(c, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'cite';
  button.textContent = label;
  button.setAttribute('aria-label', `Source ${c.n}: ${c.source}`);
  button.addEventListener('click', () => showSource(c, button));
  return button;
}

/** Fills `element` with `text`, each [n] that names a citation becoming a button that shows that source. */
function renderAnswer(element, text, citations) {
  const byN = new Map(citations.map((c) => [c.n, c]));
  element.replaceChildren();
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byN.get(Number(match[1]));
    if (!citation) continue;
    element.append(text.slice(last, match.index), citeButton(citation, match[0]));
    last = match.index + match[0].length;
  }
  element.append(text.slice(last));
}

function listSources(turn, citations) {
  if (citations.length === 0) return;
  const list = document.createElement('ol');
  list.className = 'sources';
  list.setAttribute('aria-label', 'Sources');
  for (const c of citations) {
    const item = document.createElement('li');
    item.value = c.n;
    const where = place(c);
    item.append(citeButton(c, c.source), where ? ` (${where})` : '');
    list.append(item);
  }
  turn.append(list);
}

function newTurn(question) {
  const turn = document.createElement('article');
  turn.className = 'turn';
  const q = document.createElement('p');
  q.className = 'question';
  q.textContent = question;
  const answer = document.createElement('p');
  answer.className = 'answer streaming';
  answer.setAttribute('aria-live', 'polite');
  // Screen readers wait for the whole answer instead of reading every token.
  answer.setAttribute('aria-busy', 'true');
  turn.append(q, answer);
  log.append(turn);
  return { turn, answer };
}

function showError(turn, error) {
  const p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('role', 'alert');
  p.textContent = `${error?.code ?? 'ERROR'}: ${error?.message ?? String(error)}`;
  turn.append(p);
}

/** The error a failed response carries, or one made from its status when the body is not Quiver's JSON. */
async function failureOf(response) {
  const body = await response.json().catch(() => null);
  return body?.error ?? { code: `HTTP_${response.status}`, message: response.statusText || 'request failed' };
}

let running = null;

stopButton.addEventListener('click', () => running?.abort());

questionBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = questionBox.value.trim();
  if (!question || running) return;
  running = new AbortController();
  askButton.disabled = true;
  stopButton.disabled = false;
  const { turn, answer } = newTurn(question);
  let text = '';
  let ended = false;
  try {
    const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (keyBox.value) headers.authorization = `Bearer ${keyBox.value}`;
    const body = { question };
    if (collectionBox.value.trim()) body.collection = collectionBox.value.trim();
    const response = await fetch('ask', {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: running.signal,
    });
    if (!response.ok || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      throw await failureOf(response);
    }
    questionBox.value = '';
    await readEvents(response.body, (name, data) => {
      if (name === 'token') {
        text += data.text;
        answer.textContent = text;
      } else if (name === 'citations') {
        renderAnswer(answer, text, data.citations);
        listSources(turn, data.citations);
      } else if (name === 'done') {
        ended = true;
      } else if (name === 'error') {
        ended = true;
        showError(turn, data);
      }
    });
    if (!ended) showError(turn, { code: 'INCOMPLETE', message: 'the answer stream ended early' });
  } catch (error) {
    if (error?.name === 'AbortError') showError(turn, { code: 'ABORTED', message: 'stopped' });
    else if (error instanceof TypeError) showError(turn, { code: 'NETWORK', message: error.message });
    else showError(turn, error);
  } finally {
    answer.classList.remove('streaming');
    answer.setAttribute('aria-busy', 'false');
    running = null;
    askButton.disabled = false;
    stopButton.disabled = true;
    questionBox.focus();
  }
});
