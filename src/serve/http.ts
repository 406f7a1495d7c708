/** Pure HTTP helpers (RFC 9110) for serve(): no I/O, no state. */

/** An HTTP-date (IMF-fixdate) for whole seconds since the epoch. */
export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** Seconds since the epoch of an HTTP-date, or undefined when it does not parse. */
export function parseHttpDate(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function opaqueTag(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

/** The entity tags of an If-Match / If-None-Match list; ['*'] for `*`. */
export function parseEtagList(value: string): string[] {
  const tags: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value)) !== null) tags.push(m[1]!);
  return tags;
}

/** Weak comparison (If-None-Match): opaque tags equal, W/ ignored. */
export function weakMatch(header: string, etag: string): boolean {
  const tags = parseEtagList(header);
  return tags.some((t) => t === '*' || opaqueTag(t) === opaqueTag(etag));
}

/** Strong comparison (If-Match, If-Range): both strong and equal. */
export function strongMatch(header: string, etag: string): boolean {
  const tags = parseEtagList(header);
  return tags.some((t) => t === '*' || (!t.startsWith('W/') && t === etag));
}

/** A satisfiable byte range, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A Range header against a representation of `size` bytes: the range, 'unsatisfiable' (416),
 * or undefined when the header is to be ignored (not bytes, malformed, or several ranges, which
 * RFC 9110 lets a server answer with the whole representation).
 */
export function parseRange(value: string, size: number): ByteRange | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m) return undefined;
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/**
 * Pick a content coding from Accept-Encoding. `available` lists the stored codings in order of
 * preference (smallest first); identity is always available. Highest q wins, ties go to the
 * earlier (smaller) coding, identity last. Without the header, or when nothing acceptable is
 * stored, the answer is identity (RFC 9110 12.5.3 allows sending it rather than a 406).
 */
export function chooseEncoding<E extends string>(header: string | null, available: readonly E[]): E | 'identity' {
  if (header === null || available.length === 0) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';');
    const coding = name!.trim().toLowerCase();
    if (coding === '') continue;
    let weight = 1;
    for (const p of params) {
      const pm = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (pm) weight = Number(pm[1]);
    }
    q.set(coding === 'x-gzip' ? 'gzip' : coding, weight);
  }
  const weight = (coding: string): number => q.get(coding) ?? q.get('*') ?? 0;
  let best: E | 'identity' = 'identity';
  let bestQ = 0;
  for (const coding of available) {
    const w = weight(coding);
    if (w > bestQ) {
      best = coding;
      bestQ = w;
    }
  }
  // identity is acceptable by default but preferred only when the client gives it a weight.
  const identityQ = q.get('identity') ?? q.get('*');
  return bestQ > 0 && (identityQ === undefined || bestQ >= identityQ) ? best : 'identity';
}
