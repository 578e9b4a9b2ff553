/**
 * Extractive answer benchmark on SciFact: for each claim of the split that has rationales, `ask` runs exactly as
 * `quiver ask` does (pipelines/beir.yaml: the default chunker, embedder, extractive generator and retrieve
 * settings: hybrid, k 5, neighbours 1, 1,500 context tokens), and a claim is a hit when a sentence the answer
 * quotes stands for a gold rationale sentence of an evidence abstract. Quotes carry document offsets, and the gold
 * sentences are recovered as offsets in the same documents (bench/lib/scifact-rationales.ts).
 *
 * Baselines pick as many sentences as the extractive answer quotes, from the very context it read, in the same run:
 * "lead" the first sentences of the top-ranked source, "random" sentences drawn from every source (1,000 seeded
 * draws per claim, averaged; the exact expectation and one draw's range are reported too). Titles are left out
 * of both: they are never rationales. Also reported: how often a cited source is an evidence abstract at all, how
 * often the context holds a rationale sentence (the ceiling for any sentence picker), and each hit share given
 * that it does.
 *
 * Run from anywhere: npm run bench:extractive   (-- --limit 50 for a quick run; --split train; --data <BEIR
 * folder>, default ../shared/data/scifact from the repository root; --store <folder> ingests incrementally into
 * a store kept between runs instead of a temporary one). Writes bench/results/extractive.json.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Answer, ask } from '../src/ask/ask.js';
import type { Source } from '../src/generate/generator.js';
import { createEmbedder } from '../src/pipeline/create-embedder.js';
import { loadPipeline } from '../src/pipeline/load-pipeline.js';
import { askDefaults, openRag } from '../src/pipeline/open-rag.js';
import { runIngest } from '../src/pipeline/run-ingest.js';
import { Quiver } from '../src/store/quiver.js';
import { mulberry32 } from './lib/clustered.js';
import {
  chanceOfHit,
  contextSentences,
  leadSentences,
  placeIn,
  RecordingGenerator,
  randomSentences,
} from './lib/context-sentences.js';
import { summarize } from './lib/latency.js';
import { printTable, seconds } from './lib/measure.js';
import {
  type Abstract,
  alignment,
  type Claim,
  isRationale,
  loadAbstracts,
  loadClaims,
  type Span,
} from './lib/scifact-rationales.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    split: { type: 'string', default: 'test' },
    limit: { type: 'string' },
    store: { type: 'string' },
  },
});
const DATA = flags.data ? resolve(flags.data) : resolve(REPO, '../shared/data/scifact');
const SPLIT = flags.split;
const LIMIT = flags.limit === undefined ? Number.POSITIVE_INFINITY : Number(flags.limit);
if (SPLIT !== 'test' && SPLIT !== 'train') throw new Error('--split must be test or train');
if (flags.limit !== undefined && !(Number.isInteger(LIMIT) && LIMIT > 0)) throw new Error('--limit must be >= 1');
const PIPELINE = 'pipelines/beir.yaml';
/** The corpus file's name in the store, whatever folder it is read from: a kept store stays one copy. */
const CORPUS = 'scifact/corpus.jsonl';
const SEED = 7;
/** Random draws per claim: one draw's share swings by several points on 188 claims, their mean does not. */
const DRAWS = 1000;
const WARMUP = 10;

/** The abstract id of a chunk's document id (`scifact/corpus.jsonl#<_id>`); anything else is not this corpus. */
function docKey(docId: string): string {
  if (!docId.startsWith(`${CORPUS}#`)) throw new Error(`the store holds a document not from ${CORPUS}: ${docId}`);
  return docId.slice(CORPUS.length + 1);
}

/** What one claim scored; booleans are hits. */
interface ClaimResult {
  extractive: boolean;
  lead: boolean;
  /** Per random draw, whether it hit. */
  random: boolean[];
  randomChance: number;
  citedEvidence: boolean;
  contextEvidence: boolean;
  contextRationale: boolean;
  sentencesCited: number;
  titlesCited: number;
  unplaced: number;
  /** Quotes whose document offsets do not slice out their text (none expected). */
  badOffsets: number;
  ms: number;
}

/** Scores one answer, and the baselines drawn from the context it was given. */
function scoreClaim(
  claim: Claim,
  answer: Answer,
  sources: readonly Source[],
  abstracts: ReadonlyMap<string, Abstract>,
  random: () => number,
  ms: number,
): ClaimResult {
  const rationale = (doc: string, span: Span) => isRationale(claim, abstracts, doc, span);
  let unplaced = 0;
  let badOffsets = 0;
  const quoted: { doc: string; span: Span }[] = [];
  for (const c of answer.citations) {
    const doc = docKey(c.docId);
    const text = abstracts.get(doc)?.text ?? '';
    for (const q of c.quotes ?? []) {
      // A quote straddling a gap has no offsets; `placeIn` finds it by its text, and checks given offsets.
      const span = placeIn(text, q.text, q.start ?? undefined);
      if (q.start !== null && text.slice(q.start, q.end ?? q.start) !== q.text) badOffsets += 1;
      if (span) quoted.push({ doc, span });
      else unplaced += 1;
    }
  }
  const m = quoted.length;
  const context = contextSentences(sources, abstracts, docKey);
  const pool = context.sentences.filter((s) => !s.title);
  return {
    extractive: quoted.some((q) => rationale(q.doc, q.span)),
    lead: leadSentences(context.sentences, m).some((s) => rationale(s.doc, s.span)),
    random: Array.from({ length: DRAWS }, () =>
      randomSentences(context.sentences, m, random).some((s) => rationale(s.doc, s.span)),
    ),
    randomChance: chanceOfHit(pool.length, pool.filter((s) => rationale(s.doc, s.span)).length, m),
    citedEvidence: answer.citations.some((c) => claim.evidence.has(docKey(c.docId))),
    contextEvidence: sources.some((s) => claim.evidence.has(docKey(s.docId))),
    contextRationale: context.sentences.some((s) => rationale(s.doc, s.span)),
    sentencesCited: m,
    titlesCited: quoted.filter((q) => q.span.end <= (abstracts.get(q.doc)?.bodyStart ?? 0)).length,
    unplaced: unplaced + context.unplaced,
    badOffsets,
    ms,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  const startLoad = loadavg()[0];
  const config = await loadPipeline(join(REPO, PIPELINE));
  const { abstracts, sha256 } = await loadAbstracts(DATA);
  const allClaims = await loadClaims(DATA, SPLIT);
  const claims = allClaims.slice(0, LIMIT);
  const aligned = alignment(claims, abstracts);

  const scratch = flags.store ? undefined : await mkdtemp(join(tmpdir(), 'quiver-bench-extractive-'));
  const storePath = flags.store ? resolve(flags.store) : join(scratch!, 'store');
  const db = await Quiver.open({ path: storePath });
  let t0 = process.hrtime.bigint();
  const embedder = await createEmbedder(config.embedder);
  const modelLoadSeconds = seconds(t0);
  const results: ClaimResult[] = [];
  let ingest: Awaited<ReturnType<typeof runIngest>>;
  let ingestSeconds: number;
  let indexSeconds: number;
  try {
    console.log(
      `ingesting ${CORPUS} (${abstracts.size} abstracts) into ${flags.store ? storePath : 'a temporary store'}...`,
    );
    t0 = process.hrtime.bigint();
    ingest = await runIngest({
      db,
      collectionName: config.collection.name,
      config,
      embedder: async () => embedder,
      modelId: embedder.modelId,
      paths: [{ path: join(DATA, 'corpus.jsonl'), as: CORPUS }],
    });
    ingestSeconds = seconds(t0);
    // Seal what is still growing and wait for the index builds, so questions are timed on the indexed store.
    t0 = process.hrtime.bigint();
    await (await db.collection(config.collection.name)).flush();
    indexSeconds = seconds(t0);
    console.log(
      `${ingest.documents.written} abstracts written (${ingest.chunks.written} chunks) in ${ingestSeconds.toFixed(1)} s; ` +
        `indexes sealed ${indexSeconds.toFixed(1)} s later`,
    );

    const rag = await openRag(db, config.collection.name, config, embedder);
    const recorder = new RecordingGenerator(rag.components.generator);
    const parts = { ...rag.components, generator: recorder };
    const random = mulberry32(SEED);
    for (const claim of claims.slice(0, WARMUP)) await ask(parts, claim.text, rag.defaults);
    console.log(`asking ${claims.length} ${SPLIT} claims...`);
    for (const claim of claims) {
      const t = performance.now();
      const answer = await ask(parts, claim.text, rag.defaults);
      const ms = performance.now() - t;
      results.push(scoreClaim(claim, answer, recorder.sources, abstracts, random, ms));
    }
  } finally {
    await embedder.dispose();
    await db.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }

  const n = results.length;
  const share = (pick: (r: ClaimResult) => boolean | number, of = results) =>
    of.length === 0 ? 0 : of.reduce((sum, r) => sum + Number(pick(r)), 0) / of.length;
  const ceilingHolds = results.filter((r) => r.contextRationale);
  const hitShares = (of: ClaimResult[]) => ({
    extractive: share((r) => r.extractive, of),
    lead: share((r) => r.lead, of),
    random: share((r) => r.random.filter(Boolean).length / DRAWS, of),
    randomExpected: share((r) => r.randomChance, of),
  });
  const all = hitShares(results);
  const given = hitShares(ceilingHolds);
  // Every hit needs a rationale in the context, so these ratios hold as well among the claims whose context has one.
  const ratios = {
    overLead: all.extractive / all.lead,
    overRandom: all.extractive / all.random,
    overRandomExpected: all.extractive / all.randomExpected,
  };
  const latency = summarize(
    results.map((r) => r.ms),
    results.reduce((s, r) => s + r.ms, 0) / 1000,
  );
  const sentencesCited = results.reduce((s, r) => s + r.sentencesCited, 0);
  // Each draw's own share, over all claims: how far one seeded draw could land from the mean.
  const drawShares = Array.from({ length: DRAWS }, (_, d) => share((r) => r.random[d]!));
  const metrics = {
    rationaleHit: all,
    randomSingleDrawRange: [Math.min(...drawShares), Math.max(...drawShares)],
    rationaleHitGivenContextHoldsOne: { claims: ceilingHolds.length, ...given },
    citedSourceIsEvidenceAbstract: share((r) => r.citedEvidence),
    contextHoldsEvidenceAbstract: share((r) => r.contextEvidence),
    contextHoldsRationaleSentence: share((r) => r.contextRationale),
    noAnswer: share((r) => r.sentencesCited === 0),
    meanSentencesCited: sentencesCited / n,
    titleShareOfCitedSentences: results.reduce((s, r) => s + r.titlesCited, 0) / sentencesCited,
    unplacedSentences: results.reduce((s, r) => s + r.unplaced, 0),
    quotesWithWrongOffsets: results.reduce((s, r) => s + r.badOffsets, 0),
  };

  const row = (name: string, key: keyof typeof all) => [name, all[key], given[key], all.extractive / all[key]];
  printTable(
    `SciFact ${SPLIT}: ${n} claims with rationales; share whose cited sentences include a rationale sentence`,
    ['answer', 'all claims', 'claims whose context holds a rationale', 'extractive ÷ this'],
    [
      row('extractive (the answer)', 'extractive'),
      row('lead: first sentences of the top source', 'lead'),
      row(`random: sentences of the context, mean of ${DRAWS} seeded draws`, 'random'),
      row('random: exact expectation', 'randomExpected'),
    ],
  );
  const [lo, hi] = metrics.randomSingleDrawRange;
  console.log(`(one random draw alone, over all claims: ${lo!.toFixed(3)} to ${hi!.toFixed(3)})`);
  printTable(
    'Retrieval and context',
    ['measure', 'share of claims'],
    [
      ['a cited source is an evidence abstract', metrics.citedSourceIsEvidenceAbstract],
      ['the context holds an evidence abstract', metrics.contextHoldsEvidenceAbstract],
      ['the context holds a rationale sentence (ceiling)', metrics.contextHoldsRationaleSentence],
      ['no answer (nothing cited)', metrics.noAnswer],
    ],
  );
  printTable(
    'Answers and timings',
    [
      'sentences cited (mean)',
      'titles among them',
      'ingest s',
      'index wait s',
      'ask p50 ms',
      'ask p99 ms',
      'ask mean ms',
    ],
    [
      [
        metrics.meanSentencesCited,
        metrics.titleShareOfCitedSentences,
        ingestSeconds,
        indexSeconds,
        latency.p50Ms,
        latency.p99Ms,
        latency.meanMs,
      ],
    ],
  );
  console.log(
    `\nGold sentences: ${aligned.tooFewSentences} of ${aligned.pairs} (claim, evidence abstract) pairs split into ` +
      `too few sentences for their highest rationale index; a rationale is the sentence closest to its claim in ` +
      `${pct(aligned.rationaleClosestToClaim.thisSplit)} of pairs with this split ` +
      `(${pct(aligned.rationaleClosestToClaim.generatorSplit)} with the generator's, which differs on ` +
      `${aligned.splittersDisagree} of ${aligned.evidenceAbstracts} evidence abstracts).\n` +
      `Placement: ${metrics.unplacedSentences} sentences could not be placed in their documents; ` +
      `${metrics.quotesWithWrongOffsets} quotes had document offsets that do not slice out their text.`,
  );

  const totalSeconds = seconds(began);
  const output = {
    benchmark: 'extractive',
    config: {
      pipeline: PIPELINE,
      chunker: config.chunker,
      embedder: embedder.modelId,
      generator: config.generator,
      ask: askDefaults(config),
      warmupClaims: Math.min(WARMUP, n),
      randomSeed: SEED,
      randomDrawsPerClaim: DRAWS,
      limit: flags.limit === undefined ? null : LIMIT,
      store: flags.store ? 'kept (--store)' : 'temporary',
    },
    dataset: {
      name: 'scifact',
      split: SPLIT,
      corpusSha256: sha256,
      abstracts: abstracts.size,
      claimsWithRationales: allClaims.length,
      claimsEvaluated: n,
      sentenceAlignment: aligned,
    },
    metrics,
    ratios,
    timings: {
      modelLoadSeconds,
      ingestSeconds,
      indexWaitSeconds: indexSeconds,
      ingested: { abstracts: ingest.documents.written, chunks: ingest.chunks.written },
      perQuestion: { p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, meanMs: latency.meanMs },
      totalSeconds,
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      // Timings are only as quiet as the machine: its 1-minute load average when the run began and ended.
      loadAverage: [startLoad, loadavg()[0]],
    },
    date: new Date().toISOString(),
  };
  await writeFile(new URL('./results/extractive.json', import.meta.url), `${JSON.stringify(output, null, 2)}\n`);
  console.log(`wrote bench/results/extractive.json (${totalSeconds.toFixed(0)} s in all)`);
}

await main();
