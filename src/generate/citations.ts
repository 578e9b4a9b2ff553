/**
 * Checking an answer's [n] citations against the sources it was given. A model may cite a number it was never
 * shown (a source dropped from the prompt, or one it made up); such numbers are reported and removed from the
 * text, so a reader never follows a citation to nothing. Markers are `[1]`, `[1, 2]`, `[1; 2]`, `[1-3]` and
 * runs like `[1][2]`. The check also works on a stream: `CitationFilter` holds back only what may still turn
 * out to be part of a marker, so the streamed pieces join to exactly the text `checkCitations` returns.
 */

export interface CheckedCitations {
  /** The text with invalid numbers removed from their markers, and markers left empty removed with the space before them. */
  text: string;
  /** The valid numbers, in order of first use, each once. */
  cited: number[];
  /** The numbers that refer to no given source, in order of first use, each once. */
  invalid: number[];
}

/** One marker, with the whitespace before it (removed with the marker when nothing valid is left in it). */
const MARKER = /(\s*)\[(\s*\d+(?:\s*[-–]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-–]\s*\d+)?)*\s*)\]/g;
/** Characters between a marker's brackets. */
const INSIDE = /[\d\s,;\-–]/;
/** Longest tail held back; anything longer is not markers in the making. */
const MAX_HELD = 256;
/** Longest range expanded (`[1-5]`); a wider one is read as its two ends. */
const MAX_RANGE = 50;

function numbersOf(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(/[,;]/)) {
    const [a, b] = part.split(/[-–]/).map((x) => Number.parseInt(x.trim(), 10));
    if (b === undefined || a === undefined || b <= a || b - a > MAX_RANGE) {
      out.push(...[a, b].filter((x): x is number => x !== undefined));
    } else {
      for (let i = a; i <= b; i++) out.push(i);
    }
  }
  return out;
}

/**
 * Where the tail a stream must hold back starts: trailing whitespace, and the markers (finished or not) at the
 * end of the text with the whitespace between them. Markers are held even when finished, because whether an
 * empty one takes its leading space with it depends on whether another marker follows.
 */
function heldFrom(text: string): number {
  let from = text.length;
  for (;;) {
    let space = from;
    while (space > 0 && /\s/.test(text[space - 1]!)) space--;
    let open = space;
    if (text[open - 1] === ']') open--;
    while (open > 0 && INSIDE.test(text[open - 1]!)) open--;
    if (open === 0 || text[open - 1] !== '[') return space;
    from = open - 1;
  }
}

/**
 * Checks citations incrementally, for streamed answers: `push` each piece and send on what it returns, then
 * `flush` at the end. The returned pieces join to the checked text.
 *
 * @example
 * const filter = new CitationFilter([1, 2]);
 * filter.push('Cats groom [1') + filter.push('][7].') + filter.flush(); // 'Cats groom [1].'
 * filter.invalid; // [7]
 */
export class CitationFilter {
  readonly cited: number[] = [];
  readonly invalid: number[] = [];
  readonly #valid: ReadonlySet<number>;
  #pending = '';

  /** `sources`: the numbers given, or the sources themselves. */
  constructor(sources: Iterable<number | { n: number }>) {
    this.#valid = new Set([...sources].map((s) => (typeof s === 'number' ? s : s.n)));
  }

  push(piece: string): string {
    this.#pending += piece;
    const from = heldFrom(this.#pending);
    const held = this.#pending.length - from > MAX_HELD ? this.#pending.length : from;
    const out = this.#check(this.#pending.slice(0, held));
    this.#pending = this.#pending.slice(held);
    return out;
  }

  flush(): string {
    const out = this.#check(this.#pending);
    this.#pending = '';
    return out;
  }

  #check(text: string): string {
    return text.replace(MARKER, (marker: string, space: string, list: string, at: number) => {
      const keep: number[] = [];
      let bad = false;
      for (const n of numbersOf(list)) {
        const valid = this.#valid.has(n);
        const into = valid ? this.cited : this.invalid;
        if (!into.includes(n)) into.push(n);
        if (!valid) bad = true;
        else if (!keep.includes(n)) keep.push(n);
      }
      // A marker with nothing wrong stays as the model wrote it.
      if (!bad) return marker;
      if (keep.length > 0) return `${space}[${keep.join(', ')}]`;
      // "sing [4][2]" becomes "sing [2]": the space stays for the marker that follows.
      return text[at + marker.length] === '[' ? space : '';
    });
  }
}

/**
 * Checks the [n] markers of `text` against the sources given.
 *
 * @example
 * checkCitations('Cats groom [1][4]. Dogs fetch [2, 9].', [{ n: 1 }, { n: 2 }]);
 * // { text: 'Cats groom [1]. Dogs fetch [2].', cited: [1, 2], invalid: [4, 9] }
 */
export function checkCitations(text: string, sources: Iterable<number | { n: number }>): CheckedCitations {
  const filter = new CitationFilter(sources);
  const checked = filter.push(text) + filter.flush();
  return { text: checked, cited: filter.cited, invalid: filter.invalid };
}
