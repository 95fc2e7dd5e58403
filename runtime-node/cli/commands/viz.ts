// `peerlab viz [trace.jsonl] [--port N]`: serves the built trace viewer (viz/dist, built
// with Vite on first use) and the trace on 127.0.0.1, and prints the URL that opens the
// viewer with the trace loaded. Runs until interrupted. Given the two per-side traces of a
// real `peerlab connect`, it merges them first (viz/src/model/merge.ts: one arrow per
// datagram, B's clock moved onto A's by an NTP-style estimate from the handshake).
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { MergeError, mergedText, mergeTraces, parseSide, type MergeResult } from '../../../viz/src/model/merge.ts';
import { createServer, type Server } from 'node:http';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { packagePath } from '../../source-layout.ts';
import { parseArgs, stringFlag } from '../args.ts';

const VIZ_DIR = packagePath('viz/');
export const VIZ_DIST_DIR = join(VIZ_DIR, 'dist');
const PORT_DEFAULT = 4173;
const HOST = '127.0.0.1';
const TRACE_PATH = '/trace.jsonl';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.ico': 'image/x-icon',
};

/**
 * Builds the viewer with Vite into `outDir` (default viz/dist) unless it already holds a
 * build (or `force`). Tests build into their own directory so parallel runs never serve a
 * half-written build.
 */
export async function ensureViewerBuilt(force = false, log: (line: string) => void = () => undefined, outDir = VIZ_DIST_DIR): Promise<void> {
  const built = join(outDir, 'index.html');
  if (!force && existsSync(built) && statSync(built).mtimeMs >= newestSource_ms()) return;
  log('building the viewer (vite build viz)…');
  const vite = await import('vite');
  await vite.build({ root: VIZ_DIR, configFile: join(VIZ_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir: resolve(outDir), emptyOutDir: true } });
}

/** The newest modification time among the viewer's sources, so a stale build is rebuilt. */
function newestSource_ms(): number {
  let newest = 0;
  const walk = (path: string): void => {
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const path of ['index.html', 'vite.config.ts', 'src']) {
    const full = join(VIZ_DIR, path);
    if (existsSync(full)) walk(full);
  }
  return newest;
}

export interface ViewerServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      const address = server.address();
      resolvePort(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Serves the build (viz/dist unless `dist` names another) and optionally one trace at /trace.jsonl. */
export async function serveViewer(options: { trace?: string; port?: number; dist?: string }): Promise<ViewerServer> {
  const trace = options.trace === undefined ? undefined : resolve(options.trace);
  if (trace !== undefined && !existsSync(trace)) throw new UsageError(`no such trace file: ${options.trace}`);
  const root = resolve(options.dist ?? VIZ_DIST_DIR);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file: string | undefined;
    if (path === TRACE_PATH && trace !== undefined) file = trace;
    else {
      const candidate = normalize(join(root, path === '/' ? 'index.html' : path));
      // never serve anything outside the build directory
      if (candidate === root || candidate.startsWith(root + sep)) file = candidate;
    }
    if (file === undefined || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  let port: number;
  if (options.port !== undefined) port = await listen(server, options.port);
  else {
    // the default port may be taken by another viewer; any free port will do then
    port = await listen(server, PORT_DEFAULT).catch(() => listen(server, 0));
  }
  // `name` is the file's own name, so the viewer shows it rather than the served path
  const url = `http://${HOST}:${port}/${trace === undefined ? '' : `?trace=${encodeURIComponent(TRACE_PATH)}&name=${encodeURIComponent(basename(trace))}`}`;
  return {
    url,
    port,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const usage = `usage: peerlab viz [trace.jsonl] [--port N] [--rebuild]
       peerlab viz a.jsonl b.jsonl [--out merged.jsonl] [--port N]

Serves the trace viewer on http://127.0.0.1:${PORT_DEFAULT}/ (or --port N; a free port if
the default is taken) with the trace loaded, and prints the URL. Builds the viewer into
viz/dist first if there is no build or viz/src changed since (--rebuild forces one). Without a trace, open one in
the page (file picker or drag-and-drop). Stop with Ctrl-C.

Two traces: the two sides of one real \`peerlab connect\` (both run with --trace <file>
--trace-datagrams) are merged into one: each datagram seen by both sides is one arrow, and
b's clock is moved onto a's by the offset the handshake's datagrams bound (NTP-style:
printed with its error bound, half the fastest round trip). --out writes the merged trace
to a file and exits instead of serving it.`;

/** Merges two per-side traces of one connect; throws UsageError with the reason if it cannot. */
export function mergeFiles(a: string, b: string): MergeResult {
  const read = (path: string): string => {
    if (!existsSync(path)) throw new UsageError(`no such trace file: ${path}`);
    return readFileSync(path, 'utf8');
  };
  try {
    return mergeTraces(parseSide(read(a), a), parseSide(read(b), b));
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`cannot merge ${a} and ${b}: ${error.message}`);
    throw error;
  }
}

export const command: CliCommand = {
  name: 'viz',
  summary: 'open a trace in the browser viewer (space-time diagram, replay, panels)',
  usage,
  async run(args: string[]): Promise<number> {
    const parsed = parseArgs(args, { port: 'string', rebuild: 'boolean', out: 'string' });
    if (parsed.positionals.length > 2) throw new UsageError('takes one trace file, or the two sides of one connect');
    const out = stringFlag(parsed, 'out');
    if (out !== undefined && parsed.positionals.length !== 2) throw new UsageError('--out writes a merge: give two trace files');
    let tracePath = parsed.positionals[0];
    let scratch: string | undefined;
    if (parsed.positionals.length === 2) {
      const [a, b] = parsed.positionals as [string, string];
      const merged = mergeFiles(a, b);
      process.stderr.write(`${String((merged.header.merge as { note: string }).note)}\n`);
      if (out !== undefined) {
        writeFileSync(out, mergedText(merged));
        process.stdout.write(`merged trace: ${out}\n`);
        return EXIT_OK;
      }
      scratch = mkdtempSync(join(tmpdir(), 'peerlab-viz-merge-'));
      tracePath = join(scratch, `${basename(a, '.jsonl')}+${basename(b, '.jsonl')}.jsonl`);
      writeFileSync(tracePath, mergedText(merged));
    }
    const portText = stringFlag(parsed, 'port');
    if (portText !== undefined && !/^\d{1,5}$/.test(portText)) throw new UsageError(`--port wants a number, got ${portText}`);
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && port > 65_535) throw new UsageError(`--port ${port} is out of range`);
    await ensureViewerBuilt(parsed.flags.has('rebuild'), (line) => process.stderr.write(`${line}\n`));
    const server = await serveViewer({ trace: tracePath, port });
    process.stdout.write(`peerlab viewer: ${server.url}\n`);
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(() => {
          if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
          done();
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return EXIT_OK;
  },
};
