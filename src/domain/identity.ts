// Names several layers share: how the batches API's URL is checked and shown, what a warehouse
// records as its sources, and where the control socket of a warehouse's supervisor is. Pure.
import { resolve as resolvePath } from 'node:path';

/** Why `url` cannot be the batches API's base URL, or null when it can (http or https). */
export function apiUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url}' is not a URL (for example http://127.0.0.1:4010)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `'${withoutCredentials(url)}' is not an http:// or https:// URL (for example http://127.0.0.1:4010)`;
  return null;
}

/** The API's base URL as batchboard uses it: without a trailing slash (`/batches` is appended). */
export function apiBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A URL as it may be shown or stored: a user name or password in it is removed. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

/** What a warehouse is built from, as stored in it: the API URL (no credentials) and the two source files' absolute paths. */
export function sourcesId(s: { api: string; students: string; log: string }): string {
  return JSON.stringify({ api: apiBase(withoutCredentials(s.api)), students: resolvePath(s.students), log: resolvePath(s.log) });
}

/** The control socket of the supervisor that writes `warehouse`: beside it, so `status` finds it from the path alone. */
export function controlSocketPath(warehouse: string): string {
  return `${warehouse}.sock`;
}
