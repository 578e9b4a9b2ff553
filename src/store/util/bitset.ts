/**
 * A fixed-size bitset over row offsets, backed by a Uint32Array. Filters resolve to bitsets, tombstones are
 * bitsets, and the HNSW filter callback reads one: `has` is a shift, a mask and an array load, with no
 * allocation, because it runs once per graph node visited.
 */

export class Bitset {
  readonly size: number;
  readonly words: Uint32Array;

  constructor(size: number, words?: Uint32Array) {
    this.size = size;
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static full(size: number): Bitset {
    const b = new Bitset(size);
    b.words.fill(0xffffffff);
    b.clearTail();
    return b;
  }

  static fromIndices(size: number, indices: ArrayLike<number>): Bitset {
    const b = new Bitset(size);
    for (let i = 0; i < indices.length; i++) b.add(indices[i]!);
    return b;
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  remove(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }

  count(): number {
    let n = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) {
      let v = w[i]!;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  isEmpty(): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  /** In place: this = this AND other. */
  and(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
    return this;
  }

  /** In place: this = this OR other. */
  or(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! |= b[i]!;
    return this;
  }

  /** In place: this = this AND NOT other. */
  andNot(other: Bitset): this {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= ~b[i]!;
    return this;
  }

  /** In place: flips every bit below `size`. */
  not(): this {
    const a = this.words;
    for (let i = 0; i < a.length; i++) a[i] = ~a[i]!;
    this.clearTail();
    return this;
  }

  /** The set bits in ascending order. */
  toArray(): Uint32Array {
    const out = new Uint32Array(this.count());
    let j = 0;
    const w = this.words;
    for (let i = 0; i < w.length; i++) {
      let v = w[i]!;
      while (v !== 0) {
        const t = v & -v;
        out[j++] = (i << 5) + (31 - Math.clz32(t));
        v ^= t;
      }
    }
    return out;
  }

  private clearTail(): void {
    const r = this.size & 31;
    if (r !== 0) this.words[this.words.length - 1]! &= (1 << r) - 1;
  }
}
