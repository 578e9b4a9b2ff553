/**
 * A small dependency-free SVG line chart for benchmark results: one line (with a marker per point) per series,
 * linear or log axes, grid, and a legend. Returns the SVG text; writing it is the caller's job.
 *
 * @example
 * writeFileSync('out.svg', lineChart({
 *   title: 'Recall vs QPS', xLabel: 'recall@10', yLabel: 'QPS', yLog: true,
 *   series: [{ name: 'hnswlib', points: [{ x: 0.9, y: 3000 }, { x: 0.98, y: 1900 }] }],
 * }));
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** Drawn beside the marker when the chart has `pointLabels`. */
  label?: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  xLog?: boolean;
  yLog?: boolean;
  /** Fixed axis ranges (points outside are left out); by default each axis spans the data (log axes widen to whole decades). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  pointLabels?: boolean;
  /** A line of small print under the chart (data size, machine). */
  note?: string;
  width?: number;
  height?: number;
}

/** Colour-blind-friendly palette (Okabe–Ito, then two of Paul Tol's); markers tell apart series that share a colour. */
const COLORS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#999999',
  '#882255',
  '#117733',
];
const MARKERS = ['circle', 'square', 'diamond', 'triangle'] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => Number(v.toFixed(2)).toString();

interface Axis {
  map(v: number): number;
  ticks: number[];
}

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function linearTicks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const decades = Math.log10(hi / lo);
  const mult = decades <= 3 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mult) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

function axis(values: number[], log: boolean, fixed: [number, number] | undefined, from: number, to: number): Axis {
  let [lo, hi] = fixed ?? [Math.min(...values), Math.max(...values)];
  if (log) {
    if (!fixed) [lo, hi] = [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
    if (lo === hi) hi = lo * 10;
    const span = Math.log10(hi / lo);
    return { map: (v) => from + (Math.log10(v / lo) / span) * (to - from), ticks: logTicks(lo, hi) };
  }
  if (!fixed) {
    const pad = (hi - lo) * 0.05 || Math.abs(lo) * 0.05 || 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  return { map: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks: linearTicks(lo, hi) };
}

function marker(kind: (typeof MARKERS)[number], x: number, y: number, color: string): string {
  const r = 4;
  if (kind === 'circle') return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${r}" fill="${color}"/>`;
  if (kind === 'square')
    return `<rect x="${fmt(x - r)}" y="${fmt(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
  const pts =
    kind === 'diamond'
      ? [
          [x, y - r - 1],
          [x + r + 1, y],
          [x, y + r + 1],
          [x - r - 1, y],
        ]
      : [
          [x, y - r - 1],
          [x + r + 1, y + r],
          [x - r - 1, y + r],
        ];
  return `<polygon points="${pts.map(([a, b]) => `${fmt(a!)},${fmt(b!)}`).join(' ')}" fill="${color}"/>`;
}

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 760;
  const height = o.height ?? 460;
  const legendWidth = Math.min(260, 40 + 7 * Math.max(...o.series.map((s) => s.name.length), 8));
  const m = { left: 72, right: legendWidth + 16, top: 44, bottom: o.note ? 72 : 56 };
  const plot = { x0: m.left, x1: width - m.right, y0: height - m.bottom, y1: m.top };
  const within = (v: number, d: [number, number] | undefined, log: boolean | undefined) =>
    (!log || v > 0) && (!d || (v >= d[0] && v <= d[1]));
  const shown = (p: ChartPoint) => within(p.x, o.xDomain, o.xLog) && within(p.y, o.yDomain, o.yLog);
  const points = o.series.flatMap((s) => s.points).filter(shown);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const X = axis(xs.length ? xs : [0, 1], o.xLog === true, o.xDomain, plot.x0, plot.x1);
  const Y = axis(ys.length ? ys : [1, 10], o.yLog === true, o.yDomain, plot.y0, plot.y1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (const t of X.ticks) {
    const x = fmt(X.map(t));
    out.push(`<line x1="${x}" y1="${plot.y0}" x2="${x}" y2="${plot.y1}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${plot.y0 + 16}" text-anchor="middle" fill="#333">${tickLabel(t)}</text>`);
  }
  for (const t of Y.ticks) {
    const y = fmt(Y.map(t));
    out.push(`<line x1="${plot.x0}" y1="${y}" x2="${plot.x1}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${plot.x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#333">${tickLabel(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${plot.x0}" y="${plot.y1}" width="${plot.x1 - plot.x0}" height="${plot.y0 - plot.y1}" fill="none" stroke="#333"/>`,
    `<text x="${(plot.x0 + plot.x1) / 2}" y="${plot.y0 + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${(plot.y0 + plot.y1) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const kind = MARKERS[(i + Math.floor(i / COLORS.length)) % MARKERS.length]!;
    const pts = s.points.filter(shown).map((p) => ({ ...p, px: X.map(p.x), py: Y.map(p.y) }));
    if (pts.length > 1) {
      const d = pts.map((p) => `${fmt(p.px)},${fmt(p.py)}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of pts) {
      out.push(marker(kind, p.px, p.py, color));
      if (o.pointLabels && p.label) {
        out.push(
          `<text x="${fmt(p.px + 6)}" y="${fmt(p.py - 6)}" font-size="10" fill="${color}">${esc(p.label)}</text>`,
        );
      }
    }
    const ly = plot.y1 + 8 + i * 20;
    const lx = plot.x1 + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(marker(kind, lx + 11, ly, color));
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  if (o.note) out.push(`<text x="${plot.x0}" y="${height - 12}" font-size="11" fill="#555">${esc(o.note)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
