/**
 * HTTP semantics (RFC 9110) over a ReadOnlyStore, independent of any server API: handle() takes
 * the few request fields it needs and returns status, headers and body, or undefined when the
 * path is not one of the store's (a middleware then calls next()). serve.ts adds what a whole
 * server answers besides (405 for any path, 404 pages); the crunch runtime's serve() and
 * middleware() are this same code over the module's own store. No `node:` imports.
 */
import { chooseEncoding, httpDate, parseHttpDate, parseRange, strongMatch, weakMatch, type ByteRange } from './http.js';
import { safeSegments, stripPrefix } from './request-path.js';
import { siblingVariants, type ReadOnlyStore, type StoreFile } from './store.js';

export interface CoreRequest {
  method: string;
  /** The path as sent, still percent-encoded, without the query. */
  path: string;
  /** `?...` or ''. */
  search: string;
  /** A request header by its lower-case name; null when absent. */
  header(name: string): string | null;
}

export type Body = Uint8Array | ReadableStream<Uint8Array> | null;

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  /** null for HEAD, 304, 405, 416 and redirects; a stream for large bodies of stores that stream. */
  body: Body;
}

export interface HandleOptions<F extends StoreFile = StoreFile> {
  /** File served for a directory URL (`/docs/`); false for none. Default `index.html`. */
  index?: string | false;
  /** Redirect `/docs` to `/docs/` (301) when `docs/<index>` exists. Default true. */
  redirect?: boolean;
  /** Single-page-app fallback: this file answers (200) a GET/HEAD of an unknown path whose last segment has no dot. */
  fallback?: string;
  /** URL path the files are mounted at (`/static`); other paths are not served. Default `/`. */
  prefix?: string;
  /** Cache-Control value, or a function of the file. Default `public, max-age=0, must-revalidate`. */
  cacheControl?: string | ((file: F) => string);
}

type Target<F> = { file: F; fallback: boolean } | { redirect: string };

export const DEFAULT_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
/** Bodies longer than this are streamed (by stores that can), in reads of this size. */
export const STREAM_CHUNK = 256 * 1024;
export const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' } as const;

/** The file at a store path, or undefined. */
export async function fileAt<F extends StoreFile>(store: ReadOnlyStore<F>, path: string): Promise<F | undefined> {
  const s = await store.stat(path);
  return s !== undefined && s.type === 'file' ? s : undefined;
}

/** The store path a request names (segments joined), or undefined when it names none safely. */
export function requestSegments(path: string, prefix: string | undefined): string[] | undefined {
  const rest = stripPrefix(path, prefix);
  return rest === undefined ? undefined : safeSegments(rest);
}

async function resolve<F extends StoreFile>(store: ReadOnlyStore<F>, req: CoreRequest, options: HandleOptions<F>): Promise<Target<F> | undefined> {
  const segments = requestSegments(req.path, options.prefix);
  if (!segments) return undefined;
  const index = options.index ?? 'index.html';
  const last = segments[segments.length - 1]!;
  const path = segments.join('/');
  if (last === '') {
    const dir = path.slice(0, -1);
    const file = index ? await fileAt(store, dir === '' ? index : `${dir}/${index}`) : undefined;
    if (file) return { file, fallback: false };
  } else {
    const file = await fileAt(store, path);
    if (file) return { file, fallback: false };
    if (index && options.redirect !== false && (await fileAt(store, `${path}/${index}`))) return { redirect: `${req.path}/` };
  }
  if (options.fallback !== undefined && !last.includes('.')) {
    const file = await fileAt(store, options.fallback.replace(/^\/+/, ''));
    if (file) return { file, fallback: true };
  }
  return undefined;
}

/** Answer one request, or undefined when the path is not one of ours. */
export async function handle<F extends StoreFile>(store: ReadOnlyStore<F>, req: CoreRequest, options: HandleOptions<F> = {}): Promise<CoreResponse | undefined> {
  const target = await resolve(store, req, options);
  if (!target) return undefined;
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    if ('file' in target && target.fallback) return undefined;
    return { status: 405, headers: { Allow: 'GET, HEAD', 'Content-Length': '0', ...NOSNIFF }, body: null };
  }
  if ('redirect' in target) {
    return { status: 301, headers: { Location: target.redirect + req.search, 'Content-Length': '0', ...NOSNIFF }, body: null };
  }
  return respond(store, target.file, method === 'HEAD', req, options);
}

async function respond<F extends StoreFile>(store: ReadOnlyStore<F>, identity: F, head: boolean, req: CoreRequest, options: HandleOptions<F>): Promise<CoreResponse> {
  const mtime = Math.floor(identity.mtimeMs / 1000);
  const header = (name: string): string | null => req.header(name);

  // Range applies to the identity bytes only, and only when If-Range (if any) still holds.
  let range: ByteRange | 'unsatisfiable' | undefined;
  const rangeHeader = head ? null : header('range');
  if (rangeHeader !== null) {
    range = parseRange(rangeHeader, identity.size);
    const ifRange = header('if-range');
    if (range !== undefined && ifRange !== null && !ifRangeHolds(ifRange, identity.etag, mtime)) range = undefined;
  }
  const acceptEncoding = header('accept-encoding');
  const rep = range !== undefined || acceptEncoding === null ? identity : await pick(store, identity, acceptEncoding);

  const cache = typeof options.cacheControl === 'function' ? options.cacheControl(identity) : options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const validators: Record<string, string> = {
    ETag: rep.etag,
    'Last-Modified': httpDate(mtime),
    'Cache-Control': cache,
    Vary: 'Accept-Encoding',
    ...NOSNIFF,
  };
  const failed = preconditionFailed(header, rep.etag, mtime);
  if (failed) return { status: failed, headers: failed === 412 ? { ...NOSNIFF, 'Content-Length': '0' } : validators, body: null };

  const headers: Record<string, string> = { ...validators, 'Content-Type': identity.contentType, 'Accept-Ranges': 'bytes' };
  if (rep.encoding !== undefined) headers['Content-Encoding'] = rep.encoding;
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${identity.size}`, 'Content-Length': '0' }, body: null };
  }
  const [start, end] = range ? [range.start, range.end + 1] : [0, rep.size];
  headers['Content-Length'] = String(end - start);
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${identity.size}`;
  let body: Body = null;
  if (!head) body = store.stream && end - start > STREAM_CHUNK ? store.stream(rep, start, end) : await store.read(rep, start, end);
  return { status: range ? 206 : 200, headers, body };
}

/** The representation Accept-Encoding prefers among the identity and the stored variants. */
async function pick<F extends StoreFile>(store: ReadOnlyStore<F>, identity: F, acceptEncoding: string): Promise<F> {
  const variants = await (store.variants ? store.variants(identity) : siblingVariants(store, identity));
  if (variants.length === 0) return identity;
  const chosen = chooseEncoding(acceptEncoding, variants.map((v) => v.encoding!));
  return variants.find((v) => v.encoding === chosen) ?? identity;
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

/** A Web Request as a CoreRequest (its URL is already parsed: dot segments are resolved by then). */
export function coreRequestOf(request: Request): CoreRequest {
  const url = new URL(request.url);
  return { method: request.method, path: url.pathname, search: url.search, header: (name) => request.headers.get(name) };
}

/** A CoreResponse as a Web Response. */
export function webResponseOf(result: CoreResponse): Response {
  return new Response(result.body as BodyInit | null, { status: result.status, headers: result.headers });
}
