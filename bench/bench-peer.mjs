// The Node peer for bench/bench-nginx.py: google-play-scraper's app() for
// every id in IDS_FILE against BASE_URL, CONCURRENCY at a time, over
// keep-alive connections (as playfast uses them). Prints {"ok":N,"failed":M}.
//   PEER_DIR=/tmp/playfast-peer node bench-peer.mjs BASE_URL IDS_FILE CONCURRENCY
// The peer builds play.google.com URLs itself; its requestOptions are
// merged over them, so `url` points each request at BASE_URL instead.
import fs from 'fs';
import http from 'http';
import path from 'path';

const [,, base, idsFile, conc] = process.argv;
const lib = path.join(process.env.PEER_DIR, 'node_modules', 'google-play-scraper', 'index.js');
const { default: gplay } = await import(lib);
const ids = fs.readFileSync(idsFile, 'utf8').split('\n').filter(Boolean);
const agent = { http: new http.Agent({ keepAlive: true, maxSockets: Number(conc) }) };
let next = 0;
let ok = 0;
let failed = 0;

async function worker () {
  while (next < ids.length) {
    const id = ids[next++];
    const url = `${base}/store/apps/details?id=${encodeURIComponent(id)}&hl=en&gl=us`;
    try {
      const app = await gplay.app({ appId: id, requestOptions: { url, agent, retry: { limit: 0 } } });
      if (app.title) ok++; else failed++;
    } catch (e) {
      if (failed++ < 3) console.error(String(e));
    }
  }
}

await Promise.all(Array.from({ length: Number(conc) }, worker));
console.log(JSON.stringify({ ok, failed }));
