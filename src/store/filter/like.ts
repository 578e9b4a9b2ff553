/**
 * Compiles a `like` pattern (`%` any run, `_` one character, `\%` and `\_` literal) into a matcher, with
 * fast paths for exact, prefix, suffix and infix patterns and an anchored RegExp, built from escaped text,
 * for the rest.
 */

type Part = { wild: '%' | '_' } | { text: string };

function parse(pattern: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      text += pattern[++i];
    } else if (c === '%' || c === '_') {
      if (text) parts.push({ text });
      text = '';
      parts.push({ wild: c });
    } else {
      text += c;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

const isText = (p: Part | undefined): p is { text: string } => p !== undefined && 'text' in p;
const isAny = (p: Part | undefined) => p !== undefined && 'wild' in p && p.wild === '%';

export function compileLike(pattern: string): (value: string) => boolean {
  const parts = parse(pattern);
  if (parts.length === 0) return (v) => v === '';
  if (parts.length === 1 && isText(parts[0])) {
    const t = parts[0].text;
    return (v) => v === t;
  }
  if (parts.length === 1 && isAny(parts[0])) return () => true;
  if (parts.length === 2 && isText(parts[0]) && isAny(parts[1])) {
    const t = parts[0].text;
    return (v) => v.startsWith(t);
  }
  if (parts.length === 2 && isAny(parts[0]) && isText(parts[1])) {
    const t = parts[1].text;
    return (v) => v.endsWith(t);
  }
  if (parts.length === 3 && isAny(parts[0]) && isText(parts[1]) && isAny(parts[2])) {
    const t = parts[1].text;
    return (v) => v.includes(t);
  }
  const source = parts
    .map((p) =>
      'text' in p ? p.text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : p.wild === '%' ? '[\\s\\S]*' : '[\\s\\S]',
    )
    .join('');
  const re = new RegExp(`^${source}$`, 'u');
  return (v) => re.test(v);
}
