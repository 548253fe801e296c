/**
 * Browser mode's token on the page side. `headroom serve` prints `http://127.0.0.1:PORT/#token=…`:
 * the fragment never leaves the browser (no request, no Referer). On load the page moves the token
 * into sessionStorage — per origin, so per port, and per tab — and removes it from the address bar
 * and the history entry. The token is then offered only in the WebSocket handshake (ws-client.ts).
 * A reload keeps working (sessionStorage survives it); a new tab needs the printed address again.
 */

const STORAGE_KEY = 'headroom.token';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

type PageWindow = Pick<Window, 'location' | 'history' | 'sessionStorage'>;

/** The token in a `#token=…` fragment, or null when there is none or it has not a token's shape. */
export function tokenInFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token !== null && TOKEN_SHAPE.test(token) ? token : null;
}

/**
 * Take the token from the address (then drop it from the address bar) or from this tab's
 * sessionStorage; null when the page was opened without one.
 */
export function takePageToken(win: PageWindow): string | null {
  const fromFragment = tokenInFragment(win.location.hash);
  if (win.location.hash.length > 0 && /(^#|&)token=/.test(win.location.hash)) {
    // Out of the address bar and out of this history entry, whether or not it looked right.
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
  }
  let storage: Storage | null = null;
  try {
    storage = win.sessionStorage;
  } catch {
    storage = null; // Storage disabled: the token lives only as long as this page.
  }
  if (fromFragment !== null) {
    try {
      storage?.setItem(STORAGE_KEY, fromFragment);
    } catch {
      // Quota or privacy mode: keep the token in memory only.
    }
    return fromFragment;
  }
  try {
    const stored = storage?.getItem(STORAGE_KEY) ?? null;
    return stored !== null && TOKEN_SHAPE.test(stored) ? stored : null;
  } catch {
    return null;
  }
}

/** The subprotocols the page offers: `headroom`, plus the token when it has one. */
export function wsProtocolsFor(token: string | null): string[] {
  return token === null ? ['headroom'] : ['headroom', `headroom.token.${token}`];
}

/**
 * Pasting the new address into a tab that already shows Headroom changes only the fragment, which
 * does not reload the page: reload it then, so the new token is taken like on a first load.
 */
export function reloadOnNewToken(win: Pick<Window, 'location' | 'addEventListener'>): void {
  win.addEventListener('hashchange', () => {
    if (tokenInFragment(win.location.hash) !== null) win.location.reload();
  });
}
