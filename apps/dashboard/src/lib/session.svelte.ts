/**
 * Whether the API is reachable and whether this browser is signed in. With FUSELAB_API_TOKEN set,
 * the login form exchanges the token for an HttpOnly cookie (POST /api/session); the token itself
 * is never kept by the page.
 */
class Session {
  /** null until GET /api/session answered. */
  authRequired = $state<boolean | null>(null);
  authenticated = $state(false);
  reachable = $state(true);

  async check(): Promise<void> {
    try {
      const response = await fetch('/api/session', { credentials: 'same-origin', cache: 'no-store' });
      if (response.status === 404) {
        // An API without sessions: no token configured, nothing to sign in to.
        this.authRequired = false;
        this.authenticated = true;
      } else if (response.ok) {
        const body = (await response.json()) as { authRequired: boolean; authenticated: boolean };
        this.authRequired = body.authRequired;
        this.authenticated = body.authenticated || !body.authRequired;
      } else if (response.status >= 502) {
        this.reachable = false;
        return;
      }
      this.reachable = true;
    } catch {
      this.reachable = false;
    }
  }

  async login(token: string): Promise<string | null> {
    let response: Response;
    try {
      response = await fetch('/api/session', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    } catch {
      this.reachable = false;
      return 'cannot reach the fuselab API';
    }
    if (response.ok) {
      this.authenticated = true;
      return null;
    }
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    return body.error ?? `sign-in failed (${response.status})`;
  }

  async logout(): Promise<void> {
    await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
    this.authenticated = false;
  }
}

export const session = new Session();
