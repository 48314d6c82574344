/**
 * Authentication with FUSELAB_API_TOKEN: a bearer header (CLI, scripts) or a session cookie (the
 * browser). `POST /api/session {token}` exchanges the token for a random session id in an HttpOnly
 * SameSite=Strict cookie, so the token never sits in a URL, in localStorage or in page scripts.
 * Sessions live in this process's memory (a restart logs browsers out; `DELETE` ends one).
 *
 * Public without a token: `GET /api/health`, `/api/session`. Everything else — API, SSE and the
 * dashboard's files — answers 401: JSON under /api, elsewhere a self-contained login page (no
 * scripts, no other files) whose form posts the token and returns to the page asked for.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseOr400 } from './http.js';

export const SESSION_COOKIE = 'fuselab_session';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

const digest = (text: string) => createHash('sha256').update(text).digest();
/** Constant-time: both sides hashed to the same length first, so neither length nor content leaks. */
export const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

function cookieValue(req: Request, cookieName: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Only a path on this origin: `/x`, never `//host` or `/\host`. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && next.length < 2000 ? next : '/');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(next: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>fuselab — sign in</title>
<style>body{font:15px system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0;background:#f6f7f9;color:#1d2330}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;display:grid;gap:.8rem;width:20rem}
input,button{font:inherit;padding:.5rem}button{cursor:pointer}p.error{color:#b00020;margin:0}</style></head>
<body><form method="post" action="/api/session"><h1>fuselab</h1>
<label for="token">API token (FUSELAB_API_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}<button type="submit">Sign in</button></form></body></html>
`;
}

const sessionBody = z.strictObject({
  token: z.string({ error: 'expected the API token as a string' }).min(1, { error: 'expected the API token' }).max(1000),
  next: z.string().max(2000).optional(),
});

export interface Auth {
  /** Registers /api/session and, with a token, the gate in front of every later route. */
  install(app: Express): void;
}

export function createAuth(token: string | undefined): Auth {
  const sessions = new Map<string, number>();
  const validSession = (req: Request) => {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id) return false;
    const expires = sessions.get(id);
    if (expires === undefined) return false;
    if (expires < Date.now()) {
      sessions.delete(id);
      return false;
    }
    return true;
  };
  const authenticated = (req: Request) => {
    if (!token) return true;
    const header = req.get('authorization');
    if (header !== undefined) return header.startsWith('Bearer ') && sameSecret(header.slice(7), token);
    return validSession(req);
  };
  const cookie = (req: Request, value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${req.secure ? '; Secure' : ''}`;
  const isForm = (req: Request) => req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';

  return {
    install(app) {
      app.get('/api/session', (req, res) => {
        res.set('cache-control', 'no-store').json({ authRequired: Boolean(token), authenticated: authenticated(req) });
      });
      app.post('/api/session', express.json({ limit: '4kb' }), express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
        const form = isForm(req);
        const body = parseOr400(sessionBody, req.body ?? {}, '');
        const next = safeNext(body.next);
        if (token && !sameSecret(body.token, token)) {
          if (form)
            return res
              .status(401)
              .type('html')
              .set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
              .send(loginPage(next, 'Wrong token.'));
          return res.status(401).json({ error: 'token: wrong token' });
        }
        if (token) {
          if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
          const id = randomBytes(32).toString('base64url');
          sessions.set(id, Date.now() + SESSION_TTL_MS);
          res.set('set-cookie', cookie(req, id, SESSION_TTL_MS / 1000));
        }
        res.set('cache-control', 'no-store');
        return form ? res.redirect(303, next) : res.status(204).end();
      });
      app.delete('/api/session', (req, res) => {
        const id = cookieValue(req, SESSION_COOKIE);
        if (id) sessions.delete(id);
        res
          .set('set-cookie', cookie(req, '', 0))
          .status(204)
          .end();
      });
      if (!token) return;
      app.use((req: Request, res: Response, next: NextFunction) => {
        if (authenticated(req)) return next();
        if (req.path === '/api' || req.path.startsWith('/api/'))
          return res
            .status(401)
            .json({ error: 'not signed in: send Authorization: Bearer <FUSELAB_API_TOKEN>, or sign in with POST /api/session {token}' });
        return res
          .status(401)
          .type('html')
          .set('cache-control', 'no-store')
          .set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
          .send(loginPage(safeNext(req.originalUrl)));
      });
    },
  };
}
