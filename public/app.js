// The Quiver web page's script: asks /ask with Accept: text/event-stream, renders tokens as they arrive, turns
// [n] into buttons that open the cited source in the side panel, with the quoted sentences highlighted. No
// framework and no build step; every piece of server text goes into the page as text, never as HTML.

const $ = (id) => document.getElementById(id);
const form = $('ask-form');
const questionBox = $('question');
const askButton = $('ask');
const log = $('log');
const keyBox = $('api-key');
const collectionBox = $('collection');

keyBox.value = localStorage.getItem('quiver-api-key') ?? '';
keyBox.addEventListener('change', () => localStorage.setItem('quiver-api-key', keyBox.value));

/** Reads an SSE body and calls onEvent(name, data) per event. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
      end = buffer.indexOf('\n\n');
    }
  }
}

/** Fills `element` with `text`, each [n] that names a citation becoming a button that shows that source. */
function renderAnswer(element, text, citations) {
  element.replaceChildren();
  const byN = new Map(citations.map((c) => [c.n, c]));
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byN.get(Number(match[1]));
    if (!citation) continue;
    element.append(text.slice(last, match.index));
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'cite';
    button.textContent = match[0];
    button.setAttribute('aria-label', `Source ${citation.n}: ${citation.source}`);
    button.addEventListener('click', () => showSource(citation));
    element.append(button);
    last = match.index + match[0].length;
  }
  element.append(text.slice(last));
}

function place(c) {
  const where = c.page != null ? `page ${c.page}` : (c.headings ?? []).join(' › ');
  // The source's own range when it is one exact slice of the document, else the first quote's.
  const span = c.start != null && c.end != null ? c : (c.quotes ?? []).find((q) => q.start != null && q.end != null);
  const range = span ? `characters ${span.start}–${span.end}` : '';
  return [where, range].filter(Boolean).join(', ');
}

/** Opens the side panel on a citation: its file, where in it, and its text with the quoted parts marked. */
function showSource(c) {
  $('source-title').textContent = `[${c.n}] ${c.source}`;
  $('source-where').textContent = place(c);
  const quote = $('source-text');
  quote.replaceChildren();
  let at = 0;
  const quotes = (c.quotes ?? [])
    .map((q) => ({ text: q.text, from: c.text.indexOf(q.text) }))
    .filter((q) => q.from >= 0)
    .sort((a, b) => a.from - b.from);
  for (const q of quotes) {
    if (q.from < at) continue;
    quote.append(c.text.slice(at, q.from));
    const mark = document.createElement('mark');
    mark.textContent = q.text;
    quote.append(mark);
    at = q.from + q.text.length;
  }
  quote.append(c.text.slice(at));
  $('source').hidden = false;
  document.body.classList.add('with-source');
  $('source-close').focus();
}

$('source-close').addEventListener('click', () => {
  $('source').hidden = true;
  document.body.classList.remove('with-source');
});

function newTurn(question) {
  const turn = document.createElement('article');
  turn.className = 'turn';
  const q = document.createElement('p');
  q.className = 'question';
  q.textContent = question;
  const answer = document.createElement('p');
  answer.className = 'answer streaming';
  answer.setAttribute('aria-live', 'polite');
  turn.append(q, answer);
  log.append(turn);
  return { turn, answer };
}

function showError(turn, error) {
  const p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('role', 'alert');
  p.textContent = `${error.code ?? 'ERROR'}: ${error.message ?? String(error)}`;
  turn.append(p);
}

function listSources(turn, citations) {
  if (citations.length === 0) return;
  const list = document.createElement('ol');
  list.className = 'sources';
  for (const c of citations) {
    const item = document.createElement('li');
    item.value = c.n;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'cite';
    button.textContent = c.source;
    button.addEventListener('click', () => showSource(c));
    item.append(button, place(c) ? ` (${place(c)})` : '');
    list.append(item);
  }
  turn.append(list);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = questionBox.value.trim();
  if (!question) return;
  askButton.disabled = true;
  const { turn, answer } = newTurn(question);
  let text = '';
  try {
    const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (keyBox.value) headers.authorization = `Bearer ${keyBox.value}`;
    const body = { question };
    if (collectionBox.value.trim()) body.collection = collectionBox.value.trim();
    const response = await fetch('ask', { method: 'POST', headers, body: JSON.stringify(body) });
    if (!response.ok || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const failure = await response.json().catch(() => ({ error: { message: response.statusText } }));
      throw failure.error ?? failure;
    }
    await readEvents(response.body, (name, data) => {
      if (name === 'token') {
        text += data.text;
        answer.textContent = text;
      } else if (name === 'citations') {
        renderAnswer(answer, text, data.citations);
        listSources(turn, data.citations);
      } else if (name === 'done') {
        answer.classList.remove('streaming');
      } else if (name === 'error') {
        showError(turn, data);
      }
    });
    questionBox.value = '';
  } catch (error) {
    showError(turn, error);
  } finally {
    answer.classList.remove('streaming');
    askButton.disabled = false;
    questionBox.focus();
  }
});
