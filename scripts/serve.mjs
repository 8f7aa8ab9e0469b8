#!/usr/bin/env node
// A tiny static server for the project (node:http, no dependencies).
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root .]
//   PORT / HOST environment variables work too; --port 0 picks a free port.
//
// Sends the page's Content-Security-Policy (the same one index.html carries as a <meta>)
// and COOP/COEP, so the page is cross-origin isolated as a threaded build will need.
// Serves only files under the root, and no dot-files or dot-folders (.git, .venv).
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Content-Security-Policy": CSP,
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
};

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

const DEFAULT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function send(res, status, text, extra = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", ...extra });
  res.end(`${status} ${text}\n`);
}

// Maps a URL path to a file under root, or null when it must not be served.
async function resolveFile(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const parts = decoded.split(/[/\\]+/).filter(Boolean);
  if (parts.some((p) => p.startsWith("."))) return null; // .., .git, .venv, .env …
  let file = path.join(root, ...parts);
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = path.join(file, "index.html");
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return { missing: true };
  // Symlinks must not lead out of the root either.
  const real = await realpath(file);
  if (real !== root && !real.startsWith(root + path.sep)) return null;
  return { file: real, size: info.size };
}

export async function startServer({ root = DEFAULT_ROOT, host = "127.0.0.1", port = 8080 } = {}) {
  const realRoot = await realpath(root);
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return send(res, 405, "Method Not Allowed", { Allow: "GET, HEAD" });
      }
      const { pathname } = new URL(req.url, "http://localhost");
      const found = await resolveFile(realRoot, pathname);
      if (found === null) return send(res, 403, "Forbidden");
      if (found.missing) return send(res, 404, "Not Found");
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "Content-Type": MIME[path.extname(found.file).toLowerCase()] ?? "application/octet-stream",
        "Content-Length": found.size,
      });
      if (req.method === "HEAD") return res.end();
      createReadStream(found.file)
        .on("error", () => res.destroy())
        .pipe(res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, "Internal Server Error");
      else res.destroy();
      console.error(err);
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const { port: actual } = server.address();
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { server, root: realRoot, url: `http://${shownHost}:${actual}/` };
}

function parseArgs(argv) {
  const opts = { host: process.env.HOST || "127.0.0.1", port: process.env.PORT ?? "8080", root: DEFAULT_ROOT };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (key === "--port" || key === "-p") opts.port = value();
    else if (key === "--host") opts.host = value();
    else if (key === "--root") opts.root = path.resolve(value());
    else if (key === "--help" || key === "-h") {
      console.log("usage: node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root DIR]");
      process.exit(0);
    } else throw new Error(`unknown argument: ${argv[i]}`);
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port: ${opts.port}`);
  return { ...opts, port };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { root, url } = await startServer(parseArgs(process.argv.slice(2)));
    console.log(`litequant: serving ${root}`);
    console.log(`litequant: open ${url}  (Ctrl+C to stop)`);
  } catch (err) {
    console.error(`litequant: cannot start the server: ${err.message}`);
    process.exit(1);
  }
}
