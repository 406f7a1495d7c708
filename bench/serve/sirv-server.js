#!/usr/bin/env node
// bench/serve: sirv (production mode: the tree is scanned once at start, as `sirv-cli` serves it)
// behind a minimal node:http server. `node sirv-server.js DIR CACHE_CONTROL`; prints its URL.
import * as http from 'node:http';
import sirv from 'sirv';

const [dir, cacheControl] = process.argv.slice(2);
const files = sirv(dir, {
  etag: true,
  dev: false,
  setHeaders: (res) => res.setHeader('Cache-Control', cacheControl),
});
const server = http.createServer((req, res) => files(req, res));
server.listen(0, '127.0.0.1', () => console.log(`listening at http://127.0.0.1:${server.address().port}/`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
