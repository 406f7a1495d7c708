/**
 * serve(store, options): a whole static server as a Web-standard `(Request) => Promise<Response>`
 * (Node, Deno, Bun, workers). handle() answers the store's paths; this adds what a server owes
 * every other request: 405 with `Allow` for methods other than GET and HEAD, a 404 (the site's
 * own `404.html` when it has one), and a 500 line instead of a crash when the store fails.
 */
import { coreRequestOf, fileAt, handle, NOSNIFF, webResponseOf, type CoreRequest, type CoreResponse, type HandleOptions } from './handle.js';
import type { ReadOnlyStore, StoreFile } from './store.js';

export interface ServeOptions<F extends StoreFile = StoreFile> extends HandleOptions<F> {
  /** Answer unknown paths with this file of the store and status 404; false for a plain text 404. Default `404.html`. */
  notFound?: string | false;
  /** Told of a store failure that became a 500 (a server logs it). */
  onError?: (err: unknown) => void;
}

const text = (status: number, message: string, extra: Record<string, string> = {}): CoreResponse => {
  const body = new TextEncoder().encode(`${message}\n`);
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), ...NOSNIFF, ...extra }, body };
};

async function notFound<F extends StoreFile>(store: ReadOnlyStore<F>, head: boolean, options: ServeOptions<F>): Promise<CoreResponse> {
  const page = options.notFound ?? '404.html';
  const file = page === false ? undefined : await fileAt(store, page.replace(/^\/+/, ''));
  if (!file) return text(404, 'not found');
  const headers = { 'Content-Type': file.contentType, 'Content-Length': String(file.size), 'Cache-Control': 'no-cache', ...NOSNIFF };
  return { status: 404, headers, body: head ? null : await store.read(file, 0, file.size) };
}

/** Answer any request: the store's answer, or 405, 404 or 500. Never throws. */
export async function answer<F extends StoreFile>(store: ReadOnlyStore<F>, req: CoreRequest, options: ServeOptions<F> = {}): Promise<CoreResponse> {
  const method = req.method.toUpperCase();
  try {
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { Allow: 'GET, HEAD', 'Content-Length': '0', ...NOSNIFF }, body: null };
    return (await handle(store, req, options)) ?? (await notFound(store, method === 'HEAD', options));
  } catch (e) {
    const r = text(500, 'internal error');
    options.onError?.(e);
    return method === 'HEAD' ? { ...r, body: null } : r;
  }
}

/** The Web-standard handler. */
export function serve<F extends StoreFile>(store: ReadOnlyStore<F>, options: ServeOptions<F> = {}): (request: Request) => Promise<Response> {
  return async (request) => webResponseOf(await answer(store, coreRequestOf(request), options));
}
