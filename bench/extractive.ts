/**
 * Extractive answer benchmark on SciFact: for each test claim that has rationales, `ask` with the offline extractive
 * generator and the default retrieve settings (hybrid, k 5, neighbours 1, 1,500 context tokens), and count a hit
 * when a sentence the answer cites is a gold rationale sentence of an evidence abstract (cited quotes carry
 * document offsets, compared with the rationale sentences' spans).
 *
 * Baselines from the same retrieval, same run, same number of sentences as the extractive answer: "lead" cites the
 * first sentences of the top-ranked abstract; "random" picks sentences at random (fixed seed) from the retrieved
 * abstracts. Also reported: how often a cited source is an evidence abstract at all, how often the retrieved
 * abstracts hold a rationale (the ceiling for any sentence picker), and the hit share given that they do.
 *
 * Run: npm run bench:extractive   (-- --limit 50 for a quick run; --split train; --store <folder> reuses a store).
 * Writes bench/results/extractive.json.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ask } from '../src/ask/ask.js';
import { main } from '../src/cli/main.js';
import { createEmbedder } from '../src/pipeline/create-embedder.js';
import { loadPipeline } from '../src/pipeline/load-pipeline.js';
import { openRag } from '../src/pipeline/open-rag.js';
import { Quiver } from '../src/store/quiver.js';
import { mulberry32 } from './lib/clustered.js';
import { summarize } from './lib/latency.js';
import { printTable } from './lib/measure.js';
import {
  alignment,
  type Claim,
  hitsRationale,
  loadAbstracts,
  loadClaims,
  type Span,
} from './lib/scifact-rationales.js';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string' },
    limit: { type: 'string' },
    store: { type: 'string' },
  },
});
const DATA = resolve(flags.data ?? process.env.BENCH_SCIFACT ?? '../shared/data/scifact');
const SPLIT = flags.split ?? 'test';
const LIMIT = flags.limit === undefined ? Number.POSITIVE_INFINITY : Number(flags.limit);
const PIPELINE = resolve('pipelines/beir.yaml');
process.env.QUIVER_MODEL_DIR ??= join(tmpdir(), 'quiver-test-models');

const scratch = flags.store ? undefined : await mkdtemp(join(tmpdir(), 'quiver-bench-extractive-'));
const store = resolve(flags.store ?? join(scratch!, 'store'));

console.log(`ingesting ${DATA}/corpus.jsonl into ${store} (incremental) ...`);
let began = performance.now();
const code = await main([
  'node',
  'quiver',
  '--path',
  store,
  'ingest',
  join(DATA, 'corpus.jsonl'),
  '--pipeline',
  PIPELINE,
]);
if (code !== 0) throw new Error(`ingest exited with ${code}`);
const ingestSeconds = (performance.now() - began) / 1000;

const abstracts = await loadAbstracts(DATA);
const claims = (await loadClaims(DATA, SPLIT)).slice(0, LIMIT);
const config = await loadPipeline(PIPELINE);
const defaults = { k: 5, mode: 'hybrid' as const, neighbours: 1, maxContextTokens: 1500 };

/** The abstract id of a chunk's document id (`<file>#<id>`). */
const docKey = (docId: string) => docId.slice(docId.lastIndexOf('#') + 1);

interface Tally {
  extractive: number;
  lead: number;
  random: number;
  citedEvidenceDoc: number;
  contextHasRationale: number;
  extractiveGivenContext: number;
}
const tally: Tally = {
  extractive: 0,
  lead: 0,
  random: 0,
  citedEvidenceDoc: 0,
  contextHasRationale: 0,
  extractiveGivenContext: 0,
};
const latencies: number[] = [];
const sentencesCited: number[] = [];
const random = mulberry32(7);

const db = await Quiver.open({ path: store });
const embedder = await createEmbedder(config.embedder);
try {
  const rag = await openRag(db, config.collection.name, config, embedder);
  for (const q of claims.slice(0, 20)) await ask(rag.components, q.text, defaults); // warm-up
  began = performance.now();
  for (const claim of claims) {
    const t = performance.now();
    const answer = await ask(rag.components, claim.text, defaults);
    latencies.push(performance.now() - t);
    const quotes = answer.citations.flatMap((c) =>
      (c.quotes ?? [])
        .filter((q) => q.start !== null)
        .map((q) => ({ doc: docKey(c.docId), span: { start: q.start!, end: q.end! } })),
    );
    const m = Math.max(1, quotes.length);
    sentencesCited.push(quotes.length);
    const hit = quotes.some((q) => hitsRationale(claim, abstracts, q.doc, q.span));
    if (hit) tally.extractive += 1;
    if (answer.citations.some((c) => claim.evidence.has(docKey(c.docId)))) tally.citedEvidenceDoc += 1;

    // The abstracts the generator read: those of the retrieved chunks, best first.
    const chunks = await rag.components.retriever.retrieve(claim.text, defaults);
    const docs = [...new Set(chunks.map((c) => docKey(c.docId)))];
    const inContext = docs.some((d) => claim.evidence.has(d) && hasRationale(claim, d));
    if (inContext) {
      tally.contextHasRationale += 1;
      if (hit) tally.extractiveGivenContext += 1;
    }
    const top = abstracts.get(docs[0] ?? '')?.sentences ?? [];
    if (top.slice(0, m).some((s) => hitsRationale(claim, abstracts, docs[0]!, s))) tally.lead += 1;
    const pool: { doc: string; span: Span }[] = docs.flatMap((d) =>
      (abstracts.get(d)?.sentences ?? []).map((span) => ({ doc: d, span })),
    );
    // A partial Fisher-Yates shuffle: m sentences drawn without replacement.
    for (let i = 0; i < Math.min(m, pool.length); i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const picked = pool.slice(0, m);
    if (picked.some((p) => hitsRationale(claim, abstracts, p.doc, p.span))) tally.random += 1;
  }
} finally {
  await embedder.dispose();
  await db.close();
}
const wall = (performance.now() - began) / 1000;

function hasRationale(claim: Claim, doc: string): boolean {
  return (claim.evidence.get(doc) ?? []).some((i) => abstracts.get(doc)?.sentences[i] !== undefined);
}

const n = claims.length;
const share = (x: number) => x / n;
const latency = summarize(latencies, wall);
const results = {
  extractive: share(tally.extractive),
  lead: share(tally.lead),
  random: share(tally.random),
  citedEvidenceDoc: share(tally.citedEvidenceDoc),
  contextHasRationale: share(tally.contextHasRationale),
  extractiveGivenContext: tally.contextHasRationale ? tally.extractiveGivenContext / tally.contextHasRationale : 0,
};
printTable(
  `SciFact ${SPLIT}: ${n} claims with rationales (sentence alignment ${(alignment(claims, abstracts) * 100).toFixed(1)}%)`,
  ['measure', 'share of claims', '÷ lead', '÷ random'],
  [
    [
      'extractive answer cites a rationale sentence',
      results.extractive,
      results.extractive / results.lead,
      results.extractive / results.random,
    ],
    ['lead baseline (first sentences of the top abstract)', results.lead, 1, results.lead / results.random],
    ['random baseline (sentences of the retrieved abstracts)', results.random, results.random / results.lead, 1],
    ['a cited source is an evidence abstract', results.citedEvidenceDoc, '-', '-'],
    ['retrieved abstracts hold a rationale (ceiling)', results.contextHasRationale, '-', '-'],
    ['extractive hit, given the ceiling holds', results.extractiveGivenContext, '-', '-'],
  ],
);
printTable(
  'Per question',
  ['p50 ms', 'p99 ms', 'mean sentences cited'],
  [[latency.p50Ms, latency.p99Ms, sentencesCited.reduce((a, x) => a + x, 0) / n]],
);

await writeFile(
  'bench/results/extractive.json',
  `${JSON.stringify(
    {
      benchmark: 'extractive',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        parallelism: availableParallelism(),
        memGB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      config: {
        dataset: 'scifact',
        split: SPLIT,
        pipeline: 'pipelines/beir.yaml',
        ask: defaults,
        generator: 'extractive',
      },
      claims: n,
      sentenceAlignment: alignment(claims, abstracts),
      shares: results,
      ratios: {
        extractiveOverLead: results.extractive / results.lead,
        extractiveOverRandom: results.extractive / results.random,
      },
      latency: { p50Ms: latency.p50Ms, p99Ms: latency.p99Ms },
      ingestSeconds,
    },
    null,
    2,
  )}\n`,
);
console.log('\nwrote bench/results/extractive.json');
if (scratch) await rm(scratch, { recursive: true, force: true });
