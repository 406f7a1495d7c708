/** The Node `(req, res, next)` adapter: src/serve's handle() written straight to a ServerResponse. */
import { handle } from '../../serve/handle.js';
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
      res.statusCode = err === undefined ? 404 : 500;
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
