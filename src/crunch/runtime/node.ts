/**
 * The Node `(req, res, next)` adapter: src/serve's handle() written straight to a ServerResponse.
 * A path the store answers GET for gets 405 (with Allow) for other methods; any other path is
 * next()'s (a router's API routes live there), or, with no next, 404 (405 for other methods).
 */
import { handle, NOSNIFF } from '../../serve/handle.js';
import { splitTarget } from '../../serve/request-path.js';
import type { ReadOnlyStore } from '../../serve/store.js';
import type { NodeMiddleware, ServeOptions } from './api.js';
import type { CrunchFile } from './serve-store.js';

export function middleware(store: ReadOnlyStore<CrunchFile>, options: ServeOptions = {}): NodeMiddleware {
  return (req, res, next) => {
    const notOurs = (err?: unknown): void => {
      if (next) {
        next(err);
        return;
      }
      // Without next() the middleware is the whole server: other methods are 405 on any path, as serve(store) answers.
      const method = (req.method ?? 'GET').toUpperCase();
      if (err === undefined && method !== 'GET' && method !== 'HEAD') {
        res.statusCode = 405;
        for (const [name, value] of Object.entries({ Allow: 'GET, HEAD', 'Content-Length': '0', ...NOSNIFF })) res.setHeader(name, value);
      } else {
        res.statusCode = err === undefined ? 404 : 500;
      }
      res.end();
    };
    const target = splitTarget(req.url ?? '/');
    if (!target) {
      notOurs();
      return;
    }
    const header = (name: string): string | null => {
      const v = req.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    };
    handle(store, { method: req.method ?? 'GET', ...target, header }, options).then((result) => {
      if (!result) {
        notOurs();
        return;
      }
      res.statusCode = result.status;
      for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
      // The module's store has no stream(): its bodies are always whole arrays.
      res.end((result.body as Uint8Array | null) ?? undefined);
    }, notOurs);
  };
}
