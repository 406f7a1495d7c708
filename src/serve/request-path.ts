/**
 * The one place a request target becomes a store path: the query split off, the mount prefix
 * taken away, percent-decoding, and everything that could step outside the store refused.
 * No I/O: the stores only ever see the segments this returns.
 */

const UNSAFE_ESCAPE = /%(?:2f|5c|00)/i;

/**
 * The decoded segments of a request path, or undefined when it is not a safe path: `.` or `..`
 * segments (also as %2e), empty segments, backslashes, NUL, encoded `/` or `\`, bad escapes
 * (overlong UTF-8 too: decodeURIComponent refuses it). A trailing slash gives a last segment ''.
 */
export function safeSegments(raw: string): string[] | undefined {
  if (!raw.startsWith('/') || raw.includes('\\')) return undefined;
  const segments = raw.slice(1).split('/');
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (UNSAFE_ESCAPE.test(seg)) return undefined;
    let name: string;
    try {
      name = decodeURIComponent(seg);
    } catch {
      return undefined;
    }
    if (name === '.' || name === '..' || name.includes('\0') || name.includes('\\') || name.includes('/')) return undefined;
    if (name === '' && i !== segments.length - 1) return undefined;
    out.push(name);
  }
  return out;
}

/** The path below a mount prefix (`/static`), or undefined when the path is not under it. */
export function stripPrefix(raw: string, prefix: string | undefined): string | undefined {
  const p = (prefix ?? '/').replace(/\/+$/, '');
  if (p === '') return raw;
  if (raw === p) return '/';
  return raw.startsWith(`${p}/`) ? raw.slice(p.length) : undefined;
}

/**
 * Path and query of a raw request target: origin-form (`/a?b`) or absolute-form (`http://h/a?b`,
 * which RFC 9112 3.2.2 says a server must accept). Undefined for anything else (`*`, authority-form).
 */
export function splitTarget(target: string): { path: string; search: string } | undefined {
  if (!target.startsWith('/')) {
    if (!/^https?:\/\//i.test(target)) return undefined;
    const rest = target.replace(/^https?:\/\/[^/?#]*/i, '');
    return splitTarget(rest.startsWith('/') ? rest : `/${rest}`);
  }
  const hash = target.indexOf('#');
  const t = hash < 0 ? target : target.slice(0, hash);
  const q = t.indexOf('?');
  return q < 0 ? { path: t, search: '' } : { path: t.slice(0, q), search: t.slice(q) };
}
