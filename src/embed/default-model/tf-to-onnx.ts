/**
 * Translates a TensorFlow graph (as read from a TensorFlow.js model) into ONNX nodes, op by op, so the
 * graph runs in ONNX Runtime. Every integer tensor becomes int64 (ONNX wants int64 shapes and indices;
 * TF mixes int32 and int64). Parameters that TF passes as tensors but ONNX wants as attributes (axes,
 * permutations, slice bounds) must be constants, and are read at translation time. An op outside the
 * supported set, or a form of one this file does not handle, fails the translation with UNSUPPORTED_FORMAT
 * rather than producing a graph that computes something else.
 */

import { QuiverError } from '../../errors.js';
import { ONNX_BOOL, ONNX_FLOAT, ONNX_INT64, type OnnxGraphBuilder, type OnnxTensor } from './onnx-graph.js';
import type { TfAttr, TfGraph, TfNode } from './tfjs-graph.js';

const INT64_MAX = Number.MAX_SAFE_INTEGER; // "to the end" for Slice; any value past the dimension works

/** TF DataType enum values as model.json may store them, by name or number. */
const TF_FLOAT = new Set<string | number>(['DT_FLOAT', 1]);
const TF_INTEGER = new Set<string | number>(['DT_INT32', 3, 'DT_INT64', 9]);
const TF_BOOL = new Set<string | number>(['DT_BOOL', 10]);

function unsupported(node: TfNode, why: string): QuiverError {
  return new QuiverError('UNSUPPORTED_FORMAT', `cannot translate ${node.op} node ${node.name}: ${why}`, {
    node: node.name,
    op: node.op,
  });
}

function attrInt(node: TfNode, key: string, fallback?: number): number {
  const v = node.attr?.[key]?.i;
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw unsupported(node, `attribute ${key} is missing`);
  }
  return Number(v);
}

function attrInts(node: TfNode, key: string): number[] {
  return (node.attr?.[key]?.list?.i ?? []).map(Number);
}

function attrBool(node: TfNode, key: string): boolean {
  return node.attr?.[key]?.b === true;
}

/** A string attribute, stored as base64 or as a list of byte values depending on the converter. */
function attrString(node: TfNode, key: string): string | undefined {
  const v = node.attr?.[key]?.s as unknown;
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return String.fromCharCode(...(v as number[]));
  return Buffer.from(String(v), 'base64').toString('latin1');
}

function attrType(node: TfNode, key: string): TfAttr['type'] {
  return node.attr?.[key]?.type;
}

/** The ONNX name of a TF tensor reference (`node` or `node:k`). */
function tensorName(ref: string): string {
  const [name, index] = ref.split(':');
  return index === undefined || index === '0' ? name! : `${name}:${index}`;
}

function baseName(ref: string): string {
  return ref.split(':')[0]!;
}

/** Nodes in an order where each comes after the nodes it reads (model.json does not promise one). */
function topologicalOrder(nodes: TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: TfNode[] = [];
  const visit = (root: TfNode): void => {
    const stack: { node: TfNode; next: number }[] = [{ node: root, next: 0 }];
    state.set(root.name, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = (top.node.input ?? []).filter((i) => !i.startsWith('^'));
      if (top.next < inputs.length) {
        const dep = byName.get(baseName(inputs[top.next++]!));
        if (dep === undefined) throw unsupported(top.node, `input ${inputs[top.next - 1]} is not in the graph`);
        const s = state.get(dep.name);
        if (s === 'visiting') throw unsupported(top.node, 'the graph has a cycle');
        if (s === undefined) {
          state.set(dep.name, 'visiting');
          stack.push({ node: dep, next: 0 });
        }
        continue;
      }
      state.set(top.node.name, 'done');
      order.push(top.node);
      stack.pop();
    }
  };
  for (const n of nodes) if (!state.has(n.name)) visit(n);
  return order;
}

/**
 * Adds ONNX nodes computing every node of `tf` to `b`. `placeholders` maps each TF Placeholder to the ONNX
 * tensor that feeds it (the caller declares graph inputs and computes these from them).
 */
export function translateTfGraph(tf: TfGraph, b: OnnxGraphBuilder, placeholders: Map<string, string>): void {
  // Ranks, where statically known, for the few ops that need them (transposing the last two axes).
  const ranks = new Map<string, number>();
  const constInts = (node: TfNode, ref: string): number[] => {
    const c = tf.constants.get(baseName(ref));
    if (c === undefined) throw unsupported(node, `${ref} must be a constant`);
    return Array.from(c.values, Number);
  };
  const constInt = (node: TfNode, ref: string): number => {
    const v = constInts(node, ref);
    if (v.length !== 1) throw unsupported(node, `${ref} must hold one value`);
    return v[0]!;
  };
  const swapLastTwo = (node: TfNode, x: string): string => {
    const rank = ranks.get(x);
    if (rank === undefined) throw unsupported(node, `the rank of ${x} is not known statically`);
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
    const out = b.fresh(`${node.name}/swap`);
    b.node('Transpose', [x], [out], { perm: { ints: perm } });
    ranks.set(out, rank);
    return out;
  };
  const zeroOf = (node: TfNode): OnnxTensor => {
    const t = attrType(node, 'T');
    if (TF_FLOAT.has(t ?? '')) return { type: 'float', dims: [1], data: new Float32Array(1) };
    if (TF_INTEGER.has(t ?? '')) return { type: 'int64', dims: [1], data: new BigInt64Array(1) };
    throw unsupported(node, `element type ${String(t)}`);
  };

  const elementwise: Record<string, string> = {
    Add: 'Add',
    AddV2: 'Add',
    BiasAdd: 'Add',
    Sub: 'Sub',
    Mul: 'Mul',
    RealDiv: 'Div',
    Maximum: 'Max',
    Minimum: 'Min',
    Less: 'Less',
    Greater: 'Greater',
    LogicalNot: 'Not',
    Sin: 'Sin',
    Cos: 'Cos',
    Relu: 'Relu',
    Tanh: 'Tanh',
    Sqrt: 'Sqrt',
    Exp: 'Exp',
    Neg: 'Neg',
    Identity: 'Identity',
  };
  const reductions: Record<string, string> = { Max: 'ReduceMax', Mean: 'ReduceMean', Prod: 'ReduceProd' };

  for (const node of topologicalOrder(tf.nodes)) {
    const ins = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const x = ins.map(tensorName);
    const out = node.name;
    const op = node.op;
    if ((op === 'BiasAdd' || op === 'Conv2D') && (attrString(node, 'data_format') ?? 'NHWC') !== 'NHWC')
      throw unsupported(node, 'only the NHWC data format');

    if (op === 'Const') {
      const c = tf.constants.get(node.name)!;
      b.initializer(
        out,
        c.dtype === 'float32'
          ? { type: 'float', dims: c.shape, data: c.values as Float32Array }
          : { type: 'int64', dims: c.shape, data: BigInt64Array.from(c.values, (v) => BigInt(v)) },
      );
      ranks.set(out, c.shape.length);
    } else if (op === 'Placeholder') {
      const fed = placeholders.get(node.name);
      if (fed === undefined) throw unsupported(node, 'no input feeds this placeholder');
      b.node('Identity', [fed], [out]);
    } else if (op in elementwise) {
      b.node(elementwise[op]!, x, [out]);
      const known = x.map((i) => ranks.get(i));
      if (known.every((r) => r !== undefined)) ranks.set(out, Math.max(...(known as number[])));
    } else if (op === 'Square') {
      b.node('Mul', [x[0]!, x[0]!], [out]);
      if (ranks.has(x[0]!)) ranks.set(out, ranks.get(x[0]!)!);
    } else if (op === 'Rsqrt') {
      const root = b.fresh(`${out}/sqrt`);
      b.node('Sqrt', x, [root]);
      b.node('Reciprocal', [root], [out]);
    } else if (op === 'Softmax') {
      b.node('Softmax', x, [out], { axis: { int: -1 } });
    } else if (op === 'Cast') {
      const dst = attrType(node, 'DstT') ?? '';
      const to = TF_FLOAT.has(dst)
        ? ONNX_FLOAT
        : TF_INTEGER.has(dst)
          ? ONNX_INT64
          : TF_BOOL.has(dst)
            ? ONNX_BOOL
            : undefined;
      if (to === undefined) throw unsupported(node, `cast to ${String(dst)}`);
      b.node('Cast', x, [out], { to: { int: to } });
    } else if (op === 'Shape') {
      b.node('Shape', x, [out]);
      ranks.set(out, 1);
    } else if (op === 'Reshape') {
      // A 0 in the shape means "zero-sized" to TF but "keep this dimension" to ONNX (opset 13); the graphs
      // translated here never reshape to an empty dimension (use-lite-onnx.ts keeps every row non-empty).
      b.node('Reshape', x, [out]);
    } else if (op === 'Where') {
      if (x.length === 3) b.node('Where', x, [out]);
      else {
        const nz = b.fresh(`${out}/nonzero`);
        b.node('NonZero', x, [nz]);
        b.node('Transpose', [nz], [out], { perm: { ints: [1, 0] } });
        ranks.set(out, 2);
      }
    } else if (op === 'GatherV2') {
      if (attrInt(node, 'batch_dims', 0) !== 0) throw unsupported(node, 'batch_dims is not 0');
      b.node('Gather', [x[0]!, x[1]!], [out], { axis: { int: constInt(node, ins[2]!) } });
    } else if (op === 'GatherNd') {
      b.node('GatherND', x, [out]);
    } else if (op === 'Sum') {
      b.node('ReduceSum', [x[0]!, b.ints(constInts(node, ins[1]!))], [out], {
        keepdims: { int: attrBool(node, 'keep_dims') ? 1 : 0 },
      });
    } else if (op in reductions) {
      b.node(reductions[op]!, [x[0]!], [out], {
        axes: { ints: constInts(node, ins[1]!) },
        keepdims: { int: attrBool(node, 'keep_dims') ? 1 : 0 },
      });
    } else if (op === 'ConcatV2') {
      b.node('Concat', x.slice(0, -1), [out], { axis: { int: constInt(node, ins[ins.length - 1]!) } });
    } else if (op === 'Pack') {
      const axis = attrInt(node, 'axis', 0);
      const parts = x.map((p) => {
        const u = b.fresh(`${out}/part`);
        b.node('Unsqueeze', [p, b.ints([axis])], [u]);
        return u;
      });
      b.node('Concat', parts, [out], { axis: { int: axis } });
      if (x.every((p) => ranks.get(p) === 0)) ranks.set(out, 1);
    } else if (op === 'ExpandDims') {
      b.node('Unsqueeze', [x[0]!, b.ints([constInt(node, ins[1]!)])], [out]);
      if (ranks.has(x[0]!)) ranks.set(out, ranks.get(x[0]!)! + 1);
    } else if (op === 'Squeeze') {
      const axes = attrInts(node, 'squeeze_dims');
      b.node('Squeeze', axes.length > 0 ? [x[0]!, b.ints(axes)] : [x[0]!], [out]);
      if (axes.length > 0 && ranks.has(x[0]!)) ranks.set(out, ranks.get(x[0]!)! - axes.length);
    } else if (op === 'Transpose') {
      const perm = constInts(node, ins[1]!);
      b.node('Transpose', [x[0]!], [out], { perm: { ints: perm } });
      ranks.set(out, perm.length);
    } else if (op === 'StridedSlice') {
      translateStridedSlice(
        b,
        node,
        x[0]!,
        out,
        constInts(node, ins[1]!),
        constInts(node, ins[2]!),
        constInts(node, ins[3]!),
      );
    } else if (op === 'Slice') {
      const begin = constInts(node, ins[1]!);
      const size = constInts(node, ins[2]!);
      const ends = begin.map((s, i) => (size[i] === -1 ? INT64_MAX : s + size[i]!));
      b.node('Slice', [x[0]!, b.ints(begin), b.ints(ends), b.ints([...begin.keys()])], [out]);
    } else if (op === 'SplitV') {
      const sizes = constInts(node, ins[1]!);
      if (sizes.some((s) => s < 0)) throw unsupported(node, 'a split size of -1');
      const outs = sizes.map((_, i) => (i === 0 ? out : `${out}:${i}`));
      b.node('Split', [x[0]!, b.ints(sizes)], outs, { axis: { int: constInt(node, ins[2]!) } });
    } else if (op === 'MatMul' || op === 'BatchMatMul' || op === 'BatchMatMulV2') {
      const [ta, tb] = op === 'MatMul' ? ['transpose_a', 'transpose_b'] : ['adj_x', 'adj_y'];
      const lhs = attrBool(node, ta!) ? swapLastTwo(node, x[0]!) : x[0]!;
      const rhs = attrBool(node, tb!) ? swapLastTwo(node, x[1]!) : x[1]!;
      b.node('MatMul', [lhs, rhs], [out]);
      if (ranks.has(lhs)) ranks.set(out, ranks.get(lhs)!);
    } else if (op === 'Conv2D') {
      translatePointwiseConv(b, tf, node, x[0]!, ins[1]!, out);
    } else if (op === 'SparseToDense') {
      // Expand the default value to the output shape, then write the given values at their indices.
      const [indices, shape, values, fill] = x as [string, string, string, string];
      const dense = b.fresh(`${out}/fill`);
      b.node('Expand', [fill, shape], [dense]);
      b.node('ScatterND', [dense, indices, values], [out]);
    } else if (op === 'ScatterNd') {
      // TF adds duplicate indices; the graphs translated here scatter distinct positions, where both agree.
      const [indices, updates, shape] = x as [string, string, string];
      const zeros = b.fresh(`${out}/zeros`);
      b.node('ConstantOfShape', [shape], [zeros], { value: { tensor: zeroOf(node) } });
      b.node('ScatterND', [zeros, indices, updates], [out]);
    } else if (op === 'Range') {
      b.node('Range', x, [out]);
      ranks.set(out, 1);
    } else {
      throw unsupported(node, 'this op is not supported');
    }
  }
}

/** TF StridedSlice with constant bounds, as ONNX Slice plus a Squeeze for shrunk axes. */
function translateStridedSlice(
  b: OnnxGraphBuilder,
  node: TfNode,
  x: string,
  out: string,
  begin: number[],
  end: number[],
  strides: number[],
): void {
  if (attrInt(node, 'ellipsis_mask', 0) !== 0 || attrInt(node, 'new_axis_mask', 0) !== 0)
    throw unsupported(node, 'ellipsis and new-axis masks');
  if (strides.some((s) => s <= 0)) throw unsupported(node, 'a non-positive stride');
  const beginMask = attrInt(node, 'begin_mask', 0);
  const endMask = attrInt(node, 'end_mask', 0);
  const shrinkMask = attrInt(node, 'shrink_axis_mask', 0);
  const starts: number[] = [];
  const ends: number[] = [];
  const shrunk: number[] = [];
  for (let i = 0; i < begin.length; i++) {
    const bit = 1 << i;
    if (shrinkMask & bit) {
      starts.push(begin[i]!);
      ends.push(begin[i] === -1 ? INT64_MAX : begin[i]! + 1);
      shrunk.push(i);
      continue;
    }
    starts.push(beginMask & bit ? 0 : begin[i]!);
    ends.push(endMask & bit ? INT64_MAX : end[i]!);
  }
  const sliced = shrunk.length > 0 ? b.fresh(`${out}/slice`) : out;
  b.node('Slice', [x, b.ints(starts), b.ints(ends), b.ints([...starts.keys()]), b.ints(strides)], [sliced]);
  if (shrunk.length > 0) b.node('Squeeze', [sliced, b.ints(shrunk)], [out]);
}

/** A 1×1, stride-1 NHWC Conv2D is a matrix product over the channel axis. */
function translatePointwiseConv(
  b: OnnxGraphBuilder,
  tf: TfGraph,
  node: TfNode,
  x: string,
  kernelRef: string,
  out: string,
): void {
  const kernel = tf.constants.get(baseName(kernelRef));
  if (kernel === undefined || kernel.dtype !== 'float32')
    throw unsupported(node, 'the kernel must be a float constant');
  const [kh, kw, cin, cout] = kernel.shape;
  if (kernel.shape.length !== 4 || kh !== 1 || kw !== 1) throw unsupported(node, 'only 1x1 kernels');
  const ones = (key: string): boolean => {
    const v = attrInts(node, key);
    return v.length === 0 || v.every((s) => s === 1);
  };
  if (!ones('strides') || !ones('dilations')) throw unsupported(node, 'strides and dilations other than 1');
  const weights = b.initializer(b.fresh(`${out}/kernel`), {
    type: 'float',
    dims: [cin!, cout!],
    data: kernel.values as Float32Array,
  });
  b.node('MatMul', [x, weights], [out]);
}
