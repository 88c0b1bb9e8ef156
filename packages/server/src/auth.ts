// Who may do what: the one auth check used by the fast path and the Express routes alike.
// Bearer API keys (keys.ts) with scopes and model-name patterns, and a per-key token-bucket rate
// limit. Verified keys are cached for a second so the hot path does not hit SQLite per request,
// while keys created or revoked by another process (the CLI) take effect within that second.
import { HttpError } from './errors';
import type { KeyRecord, KeyStore, Scope } from './keys';

export type AuthMode = 'auto' | 'required' | 'off';

export interface RateLimit {
  requestsPerSecond: number;
  burst?: number;
}

/** Who made a request: a key, or nobody when auth is off. */
export interface Principal {
  key: KeyRecord | null;
  /** for the audit log */
  actor: string;
}

const CACHE_MS = 1000;
const ANONYMOUS: Principal = { key: null, actor: 'anonymous' };

/** `*` matches any run of characters, `?` one character; everything else literally. */
export function globMatch(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/** admin grants every scope; manage also grants read. */
export function hasScope(key: KeyRecord, scope: Scope): boolean {
  return key.scopes.includes(scope) || key.scopes.includes('admin') || (scope === 'read' && key.scopes.includes('manage'));
}

export class Auth {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private activeUntil = 0;
  private active = false;

  constructor(
    private readonly keys: KeyStore | null,
    private readonly mode: AuthMode,
    private readonly rateLimit: RateLimit | undefined,
  ) {}

  /** Whether requests must carry a key now ('auto': as soon as an active key exists). */
  get enforced(): boolean {
    if (this.mode === 'off' || !this.keys) return false;
    if (this.mode === 'required') return true;
    const now = Date.now();
    if (now >= this.activeUntil) {
      this.active = this.keys.activeCount() > 0;
      this.activeUntil = now + CACHE_MS;
    }
    return this.active;
  }

  /** The principal allowed `scope` (on `model` when given); throws 401/403/429 HttpErrors. */
  check(authorization: string | undefined, scope: Scope, model?: string): Principal {
    if (!this.enforced) return ANONYMOUS;
    const principal = this.identify(authorization);
    const key = principal.key!;
    if (!hasScope(key, scope)) throw new HttpError(403, `API key '${key.name}' lacks the '${scope}' scope`);
    if (model !== undefined && !key.models.some((p) => globMatch(p, model)))
      throw new HttpError(403, `API key '${key.name}' may not access model '${model}'`);
    this.limit(key);
    return principal;
  }

  /** Forget cached verifications (after a key is revoked through our own API). */
  invalidate(): void {
    this.cache.clear();
    this.activeUntil = 0;
  }

  private identify(authorization: string | undefined): Principal {
    const challenge = { 'www-authenticate': 'Bearer realm="amaas"' };
    if (!authorization) throw new HttpError(401, 'missing API key: send Authorization: Bearer <key>', challenge);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) throw new HttpError(401, 'malformed Authorization header: expected Bearer <key>', challenge);
    const token = m[1];
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) return hit.principal;
    const key = this.keys!.verify(token);
    if (!key) throw new HttpError(401, 'invalid or revoked API key', challenge);
    const principal: Principal = { key, actor: `key:${key.name}` };
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(token, { principal, until: now + CACHE_MS });
    return principal;
  }

  private limit(key: KeyRecord): void {
    if (!this.rateLimit) return;
    const rate = this.rateLimit.requestsPerSecond;
    const burst = this.rateLimit.burst ?? Math.max(1, rate);
    const now = Date.now();
    let b = this.buckets.get(key.id);
    if (!b) {
      b = { tokens: burst, at: now };
      this.buckets.set(key.id, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - b.tokens) / rate));
      throw new HttpError(429, `rate limit of ${rate} requests/s for key '${key.name}' exceeded`, { 'retry-after': String(wait) });
    }
    b.tokens -= 1;
  }
}
