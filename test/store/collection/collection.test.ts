import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Collection, Quiver } from '../../../src/index.js';
import { expectCode } from '../../helpers/errors.js';
import { DOCS_SCHEMA, doc } from '../../helpers/store.js';

let db: Quiver;
let c: Collection;

beforeEach(async () => {
  db = await Quiver.open({ memory: true, collection: { growingRows: 8 } });
  c = await db.createCollection('docs', DOCS_SCHEMA);
});
afterEach(async () => {
  await db.close();
});

describe('collections', () => {
  test('create, list, describe, has, drop', async () => {
    await db.createCollection('other', DOCS_SCHEMA);
    expect((await db.listCollections()).sort()).toEqual(['docs', 'other']);
    expect(await db.hasCollection('other')).toBe(true);
    const d = c.describe();
    expect(d.fields.map((f) => f.name)).toEqual(['id', 'embedding', 'year', 'title', 'tags', 'meta']);
    expect(d.partitions).toEqual(['_default']);
    await expectCode(db.createCollection('docs', DOCS_SCHEMA), 'COLLECTION_EXISTS');
    expect((await db.createCollection('docs', DOCS_SCHEMA, { ifNotExists: true })).name).toBe('docs');
    await db.dropCollection('other');
    expect(await db.listCollections()).toEqual(['docs']);
    await expectCode(db.dropCollection('other'), 'COLLECTION_NOT_FOUND');
    await expectCode(db.collection('nope'), 'COLLECTION_NOT_FOUND');
  });

  test('bad schemas are rejected with SCHEMA_INVALID', async () => {
    const bad = [
      { fields: [] },
      { fields: [{ name: 'v', type: 'vector', dim: 4, metric: 'l2' }] },
      { fields: [{ name: 'id', type: 'int', primary: true }] },
      {
        fields: [
          { name: 'id', type: 'float', primary: true },
          { name: 'v', type: 'vector', dim: 4, metric: 'l2' },
        ],
      },
      {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 0, metric: 'l2' },
        ],
      },
      {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 4, metric: 'dot' },
        ],
      },
      {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'id', type: 'vector', dim: 4, metric: 'l2' },
        ],
      },
      {
        fields: [
          { name: '1x', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 4, metric: 'l2' },
        ],
      },
      {
        fields: [
          { name: 'id', type: 'string', primary: true, autoId: true },
          { name: 'v', type: 'vector', dim: 4, metric: 'l2' },
        ],
      },
      {
        fields: [
          { name: 'id', type: 'int', primary: true },
          { name: 'v', type: 'vector', dim: 4, metric: 'l2', index: { type: 'HNSW', M: 1 } },
        ],
      },
    ];
    for (const [i, schema] of bad.entries())
      await expectCode(db.createCollection(`bad${i}`, schema as never), 'SCHEMA_INVALID');
    expect(await db.listCollections()).toEqual(['docs']);
  });
});

describe('writes and reads', () => {
  test('insert, get, query, count', async () => {
    const res = await c.insert([doc(1), doc(2, { tags: ['a', 'b'] }), doc(3, { extra: 'dyn' })]);
    expect(res).toEqual({ ids: ['d1', 'd2', 'd3'], count: 3 });
    expect(await c.count()).toBe(3);
    const got = await c.get(['d2', 'missing', 'd3']);
    expect(got.map((r) => r.id)).toEqual(['d2', 'd3']);
    expect(got[0]).toMatchObject({ id: 'd2', year: 2002, title: 'title 2', tags: ['a', 'b'], meta: null });
    expect(got[1]).toMatchObject({ extra: 'dyn' });
    expect(got[0]).not.toHaveProperty('embedding');
    const withVector = await c.get(['d1'], { outputFields: ['embedding', 'title'] });
    expect(withVector).toEqual([{ id: 'd1', embedding: [1, 0, 0, 0], title: 'title 1' }]);
    expect((await c.query({ filter: 'year >= 2002' })).map((r) => r.id)).toEqual(['d2', 'd3']);
    expect((await c.query({ filter: 'extra == "dyn"' })).map((r) => r.id)).toEqual(['d3']);
    expect(await c.query({ limit: 1, offset: 1, outputFields: [] })).toEqual([{ id: 'd2' }]);
    expect(await c.count({ filter: 'array_contains(tags, "a")' })).toBe(1);
  });

  test('upsert replaces rows atomically and keeps the count right across seals', async () => {
    await c.insert(Array.from({ length: 20 }, (_, i) => doc(i)));
    await c.upsert([doc(3, { title: 'new' }), doc(100)]);
    expect(await c.count()).toBe(21);
    expect((await c.get(['d3']))[0]!.title).toBe('new');
    await c.waitForIndexes();
    await c.upsert([doc(3, { title: 'newer' })]);
    expect(await c.count()).toBe(21);
    expect((await c.query({ filter: 'id == "d3"' })).map((r) => r.title)).toEqual(['newer']);
  });

  test('delete by ids and by filter', async () => {
    await c.insert(Array.from({ length: 30 }, (_, i) => doc(i)));
    expect(await c.delete({ ids: ['d1', 'd2', 'nope'] })).toEqual({ deleted: 2 });
    expect(await c.delete({ filter: 'year >= {y}', params: { y: 2020 } })).toEqual({ deleted: 10 });
    expect(await c.count()).toBe(18);
    expect(await c.get(['d1', 'd25'])).toEqual([]);
    await expectCode(c.delete({}), 'INVALID_ARGUMENT');
  });

  test('autoId assigns increasing ids that are never reused', async () => {
    const auto = await db.createCollection('auto', {
      fields: [
        { name: 'id', type: 'int', primary: true, autoId: true },
        { name: 'v', type: 'vector', dim: 2, metric: 'ip' },
      ],
    });
    const a = await auto.insert([{ v: [1, 0] }, { v: [0, 1] }]);
    await auto.delete({ ids: a.ids });
    const b = await auto.insert([{ v: [1, 1] }]);
    expect(a.ids).toEqual([1, 2]);
    expect(b.ids).toEqual([3]);
    await expectCode(auto.insert([{ id: 5, v: [1, 0] }]), 'INVALID_ARGUMENT');
  });
});

describe('bad input is rejected whole, with a code', () => {
  const cases: [string, Record<string, unknown>[], string][] = [
    ['wrong dimension', [doc(1), { ...doc(2), embedding: [1, 2, 3] }], 'DIMENSION_MISMATCH'],
    ['NaN', [doc(1), { ...doc(2), embedding: [1, Number.NaN, 0, 0] }], 'INVALID_VECTOR'],
    ['Infinity', [{ ...doc(2), embedding: [1, Number.POSITIVE_INFINITY, 0, 0] }], 'INVALID_VECTOR'],
    ['wrong type', [doc(1), { ...doc(2), year: 'x' }], 'TYPE_MISMATCH'],
    ['non-integer int', [{ ...doc(2), year: 1.5 }], 'TYPE_MISMATCH'],
    ['missing required field', [{ id: 'x', embedding: [0, 0, 0, 0] }], 'MISSING_FIELD'],
    ['missing vector', [{ id: 'x', title: 't' }], 'MISSING_FIELD'],
    ['duplicate key in batch', [doc(1), doc(1)], 'DUPLICATE_KEY'],
    ['array of numbers for string[]', [{ ...doc(1), tags: [1] }], 'TYPE_MISMATCH'],
    ['non-JSON value', [{ ...doc(1), meta: { f: () => 1 } }], 'TYPE_MISMATCH'],
    ['empty string key', [{ ...doc(1), id: '' }], 'TYPE_MISMATCH'],
  ];
  for (const [name, rows, code] of cases) {
    test(name, async () => {
      await c.insert([doc(50)]);
      await expectCode(c.insert(rows), code);
      expect(await c.count()).toBe(1);
    });
  }

  test('unknown field when the schema is not dynamic', async () => {
    const strict = await db.createCollection('strict', { fields: DOCS_SCHEMA.fields });
    await expectCode(strict.insert([{ ...doc(1), surprise: 1 }]), 'FIELD_NOT_FOUND');
    expect(await strict.count()).toBe(0);
    await expectCode(strict.search({ vector: [1, 0, 0, 0], outputFields: ['surprise'] }), 'FIELD_NOT_FOUND');
  });

  test('an existing key on insert', async () => {
    await c.insert([doc(1)]);
    await expectCode(c.insert([doc(2), doc(1)]), 'DUPLICATE_KEY');
    expect(await c.count()).toBe(1);
  });

  test('oversized batch', async () => {
    const small = await Quiver.open({
      memory: true,
      collection: { batchLimits: { maxRows: 5, maxVectorBytes: 1 << 20 } },
    });
    const limited = await small.createCollection('small', DOCS_SCHEMA);
    await expectCode(limited.insert(Array.from({ length: 6 }, (_, i) => doc(i))), 'BATCH_TOO_LARGE');
    expect(await limited.count()).toBe(0);
    await small.close();
  });

  test('bad search arguments', async () => {
    await c.insert([doc(1)]);
    await expectCode(c.search({ vector: [1, 2] }), 'DIMENSION_MISMATCH');
    await expectCode(c.search({ vector: [1, Number.NaN, 0, 0] }), 'INVALID_VECTOR');
    await expectCode(c.search({ vector: new Float32Array([1, Number.NaN, 0, 0]) }), 'INVALID_VECTOR');
    await expectCode(c.search({ vector: new Float64Array([1, 0, Number.NEGATIVE_INFINITY, 0]) }), 'INVALID_VECTOR');
    // Finite as a double, infinite as float32: rejected, not silently stored or searched as Infinity.
    const big = await expectCode(c.search({ vector: [1, 1e300, 0, 0] }), 'INVALID_VECTOR');
    expect(big.message).toContain('outside the float32 range');
    await expectCode(c.insert([{ ...doc(9), embedding: [1e300, 0, 0, 0] }]), 'INVALID_VECTOR');
    expect(await c.count()).toBe(1);
    expect((await c.search({ vector: new Float32Array([1, 0, 0, 0]), k: 1 })).hits).toHaveLength(1);
    await expectCode(c.search({ vector: [1, 0, 0, 0], k: 0 }), 'INVALID_ARGUMENT');
    await expectCode(c.search({ vector: [1, 0, 0, 0], field: 'title' }), 'FIELD_NOT_FOUND');
    const e = await expectCode(c.search({ vector: [1, 0, 0, 0], filter: 'year >' }), 'FILTER_SYNTAX');
    expect(e.details.position).toBe(6);
    await expectCode(c.search({ vector: [1, 0, 0, 0], partitions: ['nope'] }), 'PARTITION_NOT_FOUND');
  });
});

describe('search', () => {
  beforeEach(async () => {
    await c.insert(Array.from({ length: 40 }, (_, i) => doc(i, { tags: i % 2 ? ['odd'] : ['even'] })));
    await c.waitForIndexes();
  });

  test('k nearest, ordered, with scores and fields', async () => {
    const { hits } = await c.search({ vector: [10.2, 0, 0, 0], k: 3 });
    expect(hits.map((h) => h.id)).toEqual(['d10', 'd11', 'd9']);
    expect(hits[0]!.score).toBeCloseTo(0.04, 5);
    expect(hits[0]!.fields).toMatchObject({ year: 2010, title: 'title 10' });
  });

  test('filter, offset, output fields', async () => {
    const { hits } = await c.search({
      vector: [10, 0, 0, 0],
      k: 2,
      offset: 1,
      filter: 'array_contains(tags, "odd")',
      outputFields: ['year'],
    });
    expect(hits.map((h) => h.id)).toEqual(['d11', 'd7']);
    expect(hits[0]!.fields).toEqual({ year: 2011 });
  });

  test('range search (l2: radius is an outer distance bound, rangeFilter an inner one)', async () => {
    const { hits } = await c.search({ vector: [0, 0, 0, 0], k: 10, radius: 10, rangeFilter: 2 });
    expect(hits.map((h) => h.id)).toEqual(['d2', 'd3']);
  });

  test('batch search returns one result per query', async () => {
    const res = await c.searchBatch({
      vectors: [
        [0, 0, 0, 0],
        [39, 0, 0, 0],
      ],
      k: 1,
    });
    expect(res.map((r) => r.hits[0]!.id)).toEqual(['d0', 'd39']);
  });

  test('exact search agrees with the index', async () => {
    const a = await c.search({ vector: [17.4, 0, 0, 0], k: 5 });
    const b = await c.search({ vector: [17.4, 0, 0, 0], k: 5, exact: true });
    expect(a.hits.map((h) => h.id)).toEqual(b.hits.map((h) => h.id));
  });

  test('explain reports a strategy per segment', async () => {
    const { explain } = await c.search({ vector: [1, 0, 0, 0], k: 3, filter: 'year == 2005', explain: true });
    expect(explain!.length).toBe(c.stats().segments.length);
    const sealed = explain!.filter((p) => p.state === 'sealed');
    expect(sealed.length).toBeGreaterThan(0);
    for (const p of sealed) expect(['exact-candidates', 'empty']).toContain(p.strategy);
    for (const p of explain!) expect(p.reason.length).toBeGreaterThan(0);
  });

  test('deleted rows are never returned', async () => {
    await c.delete({ filter: 'year < 2020' });
    const { hits } = await c.search({ vector: [0, 0, 0, 0], k: 5 });
    expect(hits.map((h) => h.id)).toEqual(['d20', 'd21', 'd22', 'd23', 'd24']);
  });
});

describe('partitions', () => {
  test('create, write into, search within, drop', async () => {
    await c.createPartition('tenant_a');
    await expectCode(c.createPartition('tenant_a'), 'PARTITION_EXISTS');
    await c.insert([doc(1), doc(2)]);
    await c.insert([doc(3), doc(4)], { partition: 'tenant_a' });
    await expectCode(c.insert([doc(9)], { partition: 'nope' }), 'PARTITION_NOT_FOUND');
    const { hits } = await c.search({ vector: [0, 0, 0, 0], k: 10, partitions: ['tenant_a'] });
    expect(hits.map((h) => h.id)).toEqual(['d3', 'd4']);
    expect(await c.count({ partitions: ['_default'] })).toBe(2);
    await c.dropPartition('tenant_a');
    expect(c.listPartitions()).toEqual(['_default']);
    expect(await c.count()).toBe(2);
    await expectCode(c.dropPartition('_default'), 'INVALID_ARGUMENT');
  });

  test('a partition key field routes tenants through filters', async () => {
    const t = await db.createCollection('tenants', {
      fields: [
        { name: 'id', type: 'int', primary: true },
        { name: 'v', type: 'vector', dim: 2, metric: 'l2' },
        { name: 'tenant', type: 'string', partitionKey: true },
      ],
    });
    await t.insert([
      { id: 1, v: [0, 0], tenant: 'a' },
      { id: 2, v: [0, 0.1], tenant: 'b' },
    ]);
    const { hits } = await t.search({ vector: [0, 0], k: 5, filter: 'tenant == "b"' });
    expect(hits.map((h) => h.id)).toEqual([2]);
    await expectCode(t.createPartition('x'), 'INVALID_ARGUMENT');
    await expectCode(t.insert([{ id: 3, v: [0, 0], tenant: 'a' }], { partition: '_default' }), 'INVALID_ARGUMENT');
  });
});

describe('concurrency', () => {
  test('a search never sees half of a batch', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => i);
    await c.insert(ids.map((i) => doc(i, { year: 0 })));
    let stop = false;
    const observed = new Set<string>();
    const reader = (async () => {
      while (!stop) {
        const { hits } = await c.search({ vector: [0, 0, 0, 0], k: 50, outputFields: ['year'] });
        observed.add([...new Set(hits.map((h) => h.fields.year))].join(','));
        expect(hits).toHaveLength(50);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let gen = 1; gen <= 30; gen++) {
      await c.upsert(ids.map((i) => doc(i, { year: gen })));
      await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await reader;
    for (const o of observed) expect(o.split(',')).toHaveLength(1);
    expect(observed.size).toBeGreaterThan(1);
  });
});

describe('iterate', () => {
  test('reads every matching row in batches, across sealed and growing segments, past the query cap', async () => {
    const big = await Quiver.open({ memory: true, collection: { growingRows: 4000 } });
    const c = await big.createCollection('big', DOCS_SCHEMA);
    const n = 17_000;
    for (let i = 0; i < n; i += 1000) {
      await c.insert(Array.from({ length: Math.min(1000, n - i) }, (_, j) => doc(i + j)));
    }
    await c.delete({ ids: ['d5', 'd16999'] });
    const seen = new Set<string>();
    let batches = 0;
    for await (const rows of c.iterate({ batchSize: 4096, outputFields: ['year'] })) {
      batches++;
      expect(rows.length).toBeLessThanOrEqual(4096);
      for (const r of rows) {
        expect(r.year).toBe(2000 + Number(String(r.id).slice(1)));
        seen.add(r.id as string);
      }
    }
    expect(seen.size).toBe(n - 2);
    expect(seen.has('d5')).toBe(false);
    expect(batches).toBe(Math.ceil((n - 2) / 4096));
    const even: string[] = [];
    for await (const rows of c.iterate({ filter: 'year % 2 == 0 and year < {y}', params: { y: 2100 } })) {
      even.push(...rows.map((r) => r.id as string));
    }
    expect(even.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `d${i * 2}`).sort());
    expect(c.stats().segments.length).toBeGreaterThan(1);
    await big.close();
  });

  test('rejects a bad batch size', async () => {
    await expect(c.iterate({ batchSize: 0 }).next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('properties', () => {
  test('are kept with the schema and shown by describe', async () => {
    const p = await db.createCollection('props', { ...DOCS_SCHEMA, properties: { 'embed.model': 'glove@1' } });
    expect(p.describe().properties).toEqual({ 'embed.model': 'glove@1' });
    await expect(
      db.createCollection('bad', { ...DOCS_SCHEMA, properties: { n: 1 as unknown as string } }),
    ).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });
});
