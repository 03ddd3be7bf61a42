// Run google-play-scraper's own fetch-and-parse of one request against the
// replay server, for the kinds of issue 10.
//   node peer_kinds.mjs developer DEV_ID | similar APP_ID | suggest TERM |
//                       permissions APP_ID | datasafety APP_ID | categories
// $PEER_INDEX is a copy of the peer's index.js whose lib/constants.js
// BASE_URL names the replay server (compare_kinds.py makes it): the peer's
// requests, continuations included, go there; its parsing is unchanged.
const [,, kind, arg] = process.argv;
let out;
try {
  const { default: gplay } = await import(process.env.PEER_INDEX);
  const retry = { requestOptions: { retry: { limit: 0 } } };
  if (kind === 'developer') out = await gplay.developer({ devId: arg, ...retry });
  else if (kind === 'similar') out = await gplay.similar({ appId: arg, ...retry });
  else if (kind === 'suggest') out = await gplay.suggest({ term: arg, ...retry });
  else if (kind === 'permissions') out = await gplay.permissions({ appId: arg, ...retry });
  else if (kind === 'datasafety') out = await gplay.datasafety({ appId: arg, ...retry });
  else if (kind === 'categories') out = await gplay.categories({ ...retry });
  else out = { error: 'unknown kind ' + kind };
} catch (e) {
  out = { error: String(e) };
}
console.log(JSON.stringify(out === undefined ? null : out));
