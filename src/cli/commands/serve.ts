import type { Command } from 'commander';
import type { AddressInfo } from 'node:net';
import { oneLine, type StaticServeOptions } from '../../index.js';
import { writeOut } from '../output.js';
import { CliError, EXIT_USAGE } from '../run.js';
import { volumeLocation, warn, type GlobalOptions } from '../volume.js';

interface ServeFlags {
  port: string;
  host: string;
  spa?: boolean;
  cacheControl?: string;
}

function port(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--port takes a port number from 0 to 65535, not "${value}"`, EXIT_USAGE);
  return n;
}

const urlOf = (address: AddressInfo): string => `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;

/** Serve until SIGINT or SIGTERM; then close the server and its connections and resolve (exit 0). */
async function run(source: string, flags: ServeFlags, command: Command): Promise<void> {
  const g = command.optsWithGlobals<GlobalOptions>();
  const quiet = g.quiet === true;
  const listenPort = port(flags.port);
  if (flags.cacheControl !== undefined && (flags.cacheControl.trim() === '' || /[\r\n]/.test(flags.cacheControl))) {
    throw new CliError('--cache-control takes a header value on one line', EXIT_USAGE);
  }
  if (flags.host.trim() === '') throw new CliError('--host takes an address to listen on (127.0.0.1, ::1, 0.0.0.0...), not ""', EXIT_USAGE);
  const { partition, offset } = volumeLocation(command);
  // Loaded here, not when the CLI starts: other commands never pay for node:http.
  const [{ openServeSource, nodeHandler }, http] = await Promise.all([import('../../index.js'), import('node:http')]);
  const served = await openServeSource(source, {
    partition, offset,
    codePage: g.codePage as 'cp437' | 'cp850' | undefined,
    onReopen: (err) => {
      if (err !== undefined) warn(`${source} changed but could not be reopened (still serving the previous version): ${err instanceof Error ? err.message : String(err)}`);
      else if (!quiet) process.stdout.write(`${source} changed: reopened\n`);
    },
  });
  const options: StaticServeOptions = {
    ...(flags.spa ? { fallback: 'index.html' } : {}),
    ...(flags.cacheControl !== undefined ? { cacheControl: flags.cacheControl } : {}),
    onError: (err) => warn(`${err instanceof Error ? err.message : String(err)}`),
  };
  const handler = nodeHandler(served.store, options);
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    if (!quiet) {
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        process.stdout.write(`${req.method} ${oneLine(req.url ?? '').slice(0, 200)} ${res.statusCode} ${ms.toFixed(1)} ms\n`);
      });
    }
    served.refresh();
    handler(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, flags.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    served.close();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new CliError(`${flags.host}:${listenPort} is already in use (choose another --port)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new CliError(`cannot listen on ${flags.host}: no such local address`);
    throw e;
  }
  await writeOut(`serving ${source} (${served.kind}) at ${urlOf(server.address() as AddressInfo)}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
      served.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a site over HTTP straight from an image, a crunch output or a directory')
    .argument('<source>', 'an image (its one FAT volume, or --partition N), a `fat crunch` output, or a directory')
    .option('--port <n>', 'TCP port (0: any free port, printed)', '8080')
    .option('--host <h>', 'address to listen on', '127.0.0.1')
    .option('--spa', 'single-page app: unknown paths without a dot get index.html')
    .option('--cache-control <value>', 'Cache-Control for files (default "public, max-age=0, must-revalidate")')
    .addHelpText('after', [
      '',
      'GET and HEAD with ETag/Last-Modified (304s), ranges (206/416), precompressed .br/.gz siblings',
      'by Accept-Encoding, index.html for directories, the site\'s 404.html. One line per request',
      'unless --quiet. An image that changes while served is reopened before the next request.',
      'Ctrl-C (SIGINT) or SIGTERM stops the server; the exit status is then 0.',
    ].join('\n'))
    .action((source: string, flags: ServeFlags, command: Command) => run(source, flags, command));
}
