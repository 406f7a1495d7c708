/** The Node `(req, res, next)` adapter: handle() written straight to a ServerResponse. */
import type { NodeMiddleware, ServeOptions } from './api.js';
import { handle } from './serve.js';
import type { Store } from './store.js';

/** Path and query of a request target: origin-form (`/a?b`) or absolute-form (`http://h/a?b`). */
function splitTarget(target: string): { path: string; search: string } | undefined {
  if (!target.startsWith('/')) {
    try {
      const url = new URL(target);
      return { path: url.pathname, search: url.search };
    } catch {
      return undefined;
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, search: '' } : { path: target.slice(0, q), search: target.slice(q) };
}

export function middleware(store: Store, options: ServeOptions = {}): NodeMiddleware {
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
      res.end(result.body ?? undefined);
    }, notOurs);
  };
}
