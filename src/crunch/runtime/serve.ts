/**
 * HTTP semantics (RFC 9110) over a Store, independent of any server API: handle() takes the
 * few request fields it needs and returns status, headers and body. serve() wraps it in the
 * Web Request/Response API; node.ts writes it to a node:http response.
 */
import type { ServeOptions } from './api.js';
import { chooseEncoding, httpDate, parseHttpDate, parseRange, strongMatch, weakMatch, type ByteRange } from './http.js';
import type { FileRecord } from './manifest.js';
import type { Representation, Store } from './store.js';

export interface CoreRequest {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  path: string;
  /** `?...` or ''. */
  search: string;
  header(name: string): string | null;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  /** null for HEAD, 304, 405, 416 and redirects. */
  body: Uint8Array | null;
}

type Target = { record: FileRecord; fallback: boolean } | { redirect: string };

const DEFAULT_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
const UNSAFE_ESCAPE = /%(?:2f|5c|00)/i;

/**
 * The decoded segments of a request path, or undefined when it is not a safe path: `.` or `..`
 * segments (also as %2e), empty segments, backslashes, NUL, encoded `/` or `\`, bad escapes.
 * Unsafe paths are never ours: serve() answers undefined, the middleware calls next().
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
    if (name === '.' || name === '..' || name.includes('\0') || name.includes('\\')) return undefined;
    if (name === '' && i !== segments.length - 1) return undefined;
    out.push(name);
  }
  return out;
}

function stripPrefix(raw: string, prefix: string | undefined): string | undefined {
  const p = (prefix ?? '/').replace(/\/+$/, '');
  if (p === '') return raw;
  if (raw === p) return '/';
  return raw.startsWith(`${p}/`) ? raw.slice(p.length) : undefined;
}

function resolve(store: Store, req: CoreRequest, options: ServeOptions): Target | undefined {
  const rest = stripPrefix(req.path, options.prefix);
  const segments = rest === undefined ? undefined : safeSegments(rest);
  if (!segments) return undefined;
  const index = options.index ?? 'index.html';
  const last = segments[segments.length - 1]!;
  const path = segments.join('/');
  if (last === '') {
    const dir = path.slice(0, -1);
    const record = index ? store.file(dir === '' ? index : `${dir}/${index}`) : undefined;
    if (record) return { record, fallback: false };
  } else {
    const record = store.file(path);
    if (record) return { record, fallback: false };
    if (index && options.redirect !== false && store.file(`${path}/${index}`)) return { redirect: `${req.path}/` };
  }
  if (options.fallback !== undefined && !last.includes('.')) {
    const record = store.file(options.fallback.replace(/^\/+/, ''));
    if (record) return { record, fallback: true };
  }
  return undefined;
}

const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' };

/** Answer one request, or undefined when the path is not one of ours. */
export async function handle(store: Store, req: CoreRequest, options: ServeOptions = {}): Promise<CoreResponse | undefined> {
  const target = resolve(store, req, options);
  if (!target) return undefined;
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    if ('record' in target && target.fallback) return undefined;
    return { status: 405, headers: { Allow: 'GET, HEAD', 'Content-Length': '0', ...NOSNIFF }, body: null };
  }
  if ('redirect' in target) {
    return { status: 301, headers: { Location: target.redirect + req.search, 'Content-Length': '0', ...NOSNIFF }, body: null };
  }
  return respond(store, target.record, method === 'HEAD', req, options);
}

async function respond(store: Store, record: FileRecord, head: boolean, req: CoreRequest, options: ServeOptions): Promise<CoreResponse> {
  const reps = store.representations(record);
  const identity = reps[reps.length - 1]!;
  const mtime = record[3];
  const header = (name: string): string | null => req.header(name);

  // Range applies to the identity bytes only, and only when If-Range (if any) still holds.
  let range: ByteRange | 'unsatisfiable' | undefined;
  const rangeHeader = head ? null : header('range');
  if (rangeHeader !== null) {
    range = parseRange(rangeHeader, identity.size);
    const ifRange = header('if-range');
    if (range !== undefined && ifRange !== null && !ifRangeHolds(ifRange, identity.etag, mtime)) range = undefined;
  }
  const rep = range !== undefined ? identity : pick(reps, header('accept-encoding'));

  const cache = typeof options.cacheControl === 'function' ? options.cacheControl(store.fileStat(record)) : options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const validators: Record<string, string> = {
    ETag: rep.etag,
    'Last-Modified': httpDate(mtime),
    'Cache-Control': cache,
    Vary: 'Accept-Encoding',
    ...NOSNIFF,
  };
  const failed = preconditionFailed(header, rep.etag, mtime);
  if (failed) return { status: failed, headers: failed === 412 ? { ...NOSNIFF, 'Content-Length': '0' } : validators, body: null };

  const headers: Record<string, string> = {
    ...validators,
    'Content-Type': store.manifest.types[record[2]]!,
    'Accept-Ranges': 'bytes',
  };
  if (rep.encoding !== 'identity') headers['Content-Encoding'] = rep.encoding;
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${identity.size}`, 'Content-Length': '0' }, body: null };
  }
  const [start, end] = range ? [range.start, range.end + 1] : [0, rep.size];
  headers['Content-Length'] = String(end - start);
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${identity.size}`;
  const body = head ? null : await store.bytes(rep, start, end);
  return { status: range ? 206 : 200, headers, body };
}

function pick(reps: Representation[], acceptEncoding: string | null): Representation {
  const stored = reps.filter((r) => r.encoding !== 'identity').map((r) => r.encoding);
  const chosen = chooseEncoding(acceptEncoding, stored);
  return reps.find((r) => r.encoding === chosen)!;
}

function ifRangeHolds(value: string, etag: string, mtime: number): boolean {
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return strongMatch(v, etag);
  return parseHttpDate(v) === mtime;
}

/** RFC 9110 13.2.2, steps 1-4: 412, 304 or nothing. */
function preconditionFailed(header: (name: string) => string | null, etag: string, mtime: number): 304 | 412 | undefined {
  const ifMatch = header('if-match');
  if (ifMatch !== null) {
    if (!strongMatch(ifMatch, etag)) return 412;
  } else {
    const since = header('if-unmodified-since');
    const date = since === null ? undefined : parseHttpDate(since);
    if (date !== undefined && mtime > date) return 412;
  }
  const ifNoneMatch = header('if-none-match');
  if (ifNoneMatch !== null) return weakMatch(ifNoneMatch, etag) ? 304 : undefined;
  const since = header('if-modified-since');
  const date = since === null ? undefined : parseHttpDate(since);
  return date !== undefined && mtime <= date ? 304 : undefined;
}

/** serve(Request): the Web-standard face of handle(). */
export async function serve(store: Store, request: Request, options?: ServeOptions): Promise<Response | undefined> {
  const url = new URL(request.url);
  const result = await handle(store, {
    method: request.method,
    path: url.pathname,
    search: url.search,
    header: (name) => request.headers.get(name),
  }, options);
  if (!result) return undefined;
  return new Response(result.body as BodyInit | null, { status: result.status, headers: result.headers });
}
