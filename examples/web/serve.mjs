/* global URL */
// A small static server for the LeNet-5 page, on 127.0.0.1 only. It serves this folder (the page
// and the trained weights) at `/`, and the browser build of the model at `/model/`:
//   npx cnnc build examples/lenet5.cnn --target browser -o build/web
//   node examples/web/serve.mjs [--port 8080] [--model-dir build/web]
// `--port 0` picks a free port; the first line printed is the page's address.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8080' }, 'model-dir': { type: 'string' } },
});
const here = fileURLToPath(new URL('.', import.meta.url));
const roots = {
  '/model/': resolve(values['model-dir'] ?? join(here, '../../build/web')),
  '/': resolve(here),
};
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
};

/** The file a URL path names, or undefined when it is outside the served folders. */
function fileFor(pathname) {
  const [prefix, root] = Object.entries(roots).find(([p]) => pathname.startsWith(p));
  const relative = decodeURIComponent(pathname.slice(prefix.length)) || 'index.html';
  const file = resolve(root, relative);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

const server = createServer((request, response) => {
  const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1');
  const file = request.method === 'GET' ? fileFor(pathname) : undefined;
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname}\n`);
    return;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  createReadStream(file).pipe(response);
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`serving http://127.0.0.1:${port}/ (model from ${roots['/model/']})`);
  if (!existsSync(join(roots['/model/'], 'lenet5.browser.js')))
    console.log(
      'the model is not built: npx cnnc build examples/lenet5.cnn --target browser -o build/web',
    );
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
