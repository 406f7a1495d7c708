#!/usr/bin/env node
// bench/serve: serve-static (express's static middleware) behind a minimal node:http server.
// `node serve-static-server.js DIR CACHE_CONTROL`; prints its URL.
import * as http from 'node:http';
import serveStatic from 'serve-static';

const [dir, cacheControl] = process.argv.slice(2);
const files = serveStatic(dir, {
  cacheControl: false,
  setHeaders: (res) => res.setHeader('Cache-Control', cacheControl),
});
const notFound = (res) => () => {
  res.statusCode = 404;
  res.end();
};
const server = http.createServer((req, res) => files(req, res, notFound(res)));
server.listen(0, '127.0.0.1', () => console.log(`listening at http://127.0.0.1:${server.address().port}/`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
