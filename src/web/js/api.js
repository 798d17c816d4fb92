// Calls to the app's API. Every call sends the function key kept in this tab's session (never in the URL or
// localStorage), and every failure becomes an ApiError carrying the server's `detail` and per-field `errors`
// so the panel that made the call can show them.

const KEY_STORAGE = 'retail-datagen.functionKey';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, or 0 when the app did not answer
   * @param {string} detail
   * @param {{field: string, reason: string}[]} errors
   */
  constructor(status, detail, errors) {
    super(status ? `${detail} (HTTP ${status})` : detail);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }
}

let unauthorizedHandler = () => {};

/** Called whenever the app answers 401, so the page can ask for the key once instead of every panel failing. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function functionKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setFunctionKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Takes a key handed over as `?code=` (as Azure's function URLs do), then removes it from the address bar. */
export function adoptKeyFromUrl() {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  if (!code) return;
  setFunctionKey(code);
  url.searchParams.delete('code');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

/**
 * @param {string} path app-relative path
 * @param {{method?: string, body?: unknown, okStatuses?: number[]}} [options] okStatuses: non-2xx statuses whose
 *   JSON body is still the answer (e.g. 503 from the readiness check carries the health report)
 */
export async function api(path, options = {}) {
  const headers = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const key = functionKey();
  if (key) headers['x-functions-key'] = key;
  let response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new ApiError(0, `The app did not answer ${path} (${error instanceof Error ? error.message : String(error)})`, []);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.status === 401) {
    unauthorizedHandler();
    throw new ApiError(401, 'The function key is missing or was not accepted', []);
  }
  if (!response.ok && !(options.okStatuses ?? []).includes(response.status)) {
    const detail = data && typeof data.detail === 'string' ? data.detail : `${response.statusText || 'Request failed'} for ${path}`;
    const errors = data && Array.isArray(data.errors) ? data.errors : [];
    throw new ApiError(response.status, detail, errors);
  }
  if (data === null && text) throw new ApiError(response.status, `The answer from ${path} was not JSON`, []);
  return data;
}
