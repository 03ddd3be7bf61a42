// Run google-play-scraper's own extraction on one recorded response, offline.
//   node peer.mjs app FILE      app details page (or batchexecute Ws7gDc)
//   node peer.mjs list FILE     top chart (vyAe2)
//   node peer.mjs search FILE   search page
//   node peer.mjs reviews FILE  reviews (UsvDTd)
// The peer is imported from $PEER_DIR/node_modules (compare.py installs it).
// For app pages the peer reads ds:5 by number; the block holding the app is
// moved there first, so 2022 pages (ds:4) can be compared at all. For the
// other kinds the peer's request goes to a loopback server answering FILE.
import fs from 'fs';
import http from 'http';
import path from 'path';

const [,, kind, file] = process.argv;
const lib = path.join(process.env.PEER_DIR, 'node_modules', 'google-play-scraper');
let out;
try {
  if (kind === 'app') {
    const { default: scriptData } = await import(path.join(lib, 'lib/utils/scriptData.js'));
    const { MAPPINGS } = await import(path.join(lib, 'lib/app_mapped.js'));
    const txt = fs.readFileSync(file, 'utf8');
    let parsed;
    if (txt.startsWith(")]}'")) {
      const line = txt.split('\n').find((l) => l.startsWith('[["wrb.fr"'));
      const frame = JSON.parse(line).find((f) => f[1] === 'Ws7gDc');
      parsed = { 'ds:5': JSON.parse(frame[2]) };
    } else {
      parsed = scriptData.parse(txt);
      for (const [k, v] of Object.entries(parsed.serviceRequestData || {})) {
        const d = parsed[k];
        if (v.id === 'Ws7gDc' && d && d[1] && d[1][2] && typeof d[1][2][0]?.[0] === 'string') {
          parsed['ds:5'] = d;
          break;
        }
      }
    }
    out = scriptData.extractor(MAPPINGS)(parsed);
    delete out.comments;
  } else {
    const { default: gplay } = await import(path.join(lib, 'index.js'));
    const body = fs.readFileSync(file);
    const srv = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const ro = { url: `http://127.0.0.1:${srv.address().port}/x`, retry: { limit: 0 } };
    try {
      if (kind === 'list') out = await gplay.list({ category: 'GAME', collection: 'TOP_FREE', num: 200, requestOptions: ro });
      else if (kind === 'search') out = await gplay.search({ term: 'x', num: 250, requestOptions: ro });
      else if (kind === 'reviews') out = (await gplay.reviews({ appId: 'x', num: 150, paginate: true, requestOptions: ro })).data;
    } finally {
      srv.close();
    }
  }
} catch (e) {
  out = { error: String(e) };
}
console.log(JSON.stringify(out));
