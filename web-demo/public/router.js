// @ts-check
// Hash routing (#/inbox, #/u/<id>...), so the gateway only ever serves index.html.

/**
 * @typedef {{path: string, params: Record<string, string>, query: URLSearchParams}} Route
 * @param {string} hash  location.hash, e.g. "#/u/42?tab=posts"
 * @param {Array<[string, string]>} patterns  [name, "/u/:id"]
 * @returns {{name: string|null} & Route}
 */
export function matchRoute(hash, patterns) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = raw, search = ''] = raw.split('?'); // split always has a first part
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  for (const [name, pattern] of patterns) {
    const want = pattern.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    /** @type {Record<string, string>} */
    const params = {};
    const ok = want.every((seg, i) => {
      if (seg.startsWith(':')) {
        params[seg.slice(1)] = decodeURIComponent(parts[i] ?? ''); // i < parts.length: never ''
        return true;
      }
      return seg === parts[i];
    });
    if (ok) return { name, path, params, query };
  }
  return { name: null, path, params: {}, query };
}

/** Goes to `hash`, and renders it again when it is already the current one. @param {string} hash */
export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
