import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { HttpError } from './errors.ts';
import type { Account, Repo, World } from './model.ts';

/**
 * Credentials: personal-access-style tokens, a GitHub App (RS256 JWTs verified against its
 * public key) and the installation tokens the app exchanges its JWT for.
 */

export interface InstallationConfig {
  readonly id: number;
  /** Owner login the app is installed on; undefined installs it on every owner. */
  readonly account?: string;
  /** `owner/name` of the repositories it may access; undefined means all of the account's. */
  readonly repositories?: readonly string[];
  readonly permissions?: Readonly<Record<string, string>>;
}

export interface AppOptions {
  readonly appId: number;
  readonly slug?: string;
  readonly clientId?: string;
  /** PEM of the app's private key (the public key is derived) or of its public key. */
  readonly privateKeyPem?: string;
  readonly publicKey?: string | KeyObject;
  /** Shorthand for one installation on every owner. */
  readonly installationId?: number;
  readonly installations?: readonly InstallationConfig[];
  /** Lifetime of installation tokens (GitHub: one hour). */
  readonly tokenTtlMs?: number;
}

interface TokenRecord {
  readonly account: Account;
  readonly expiresAt: number | undefined;
  readonly installationId: number | undefined;
  readonly repositories: readonly string[] | undefined;
  readonly permissions: Readonly<Record<string, string>>;
}

export class Identity {
  constructor(
    readonly kind: 'token' | 'installation' | 'app',
    readonly account: Account,
    readonly permissions: Readonly<Record<string, string>>,
    private readonly repositories: readonly string[] | undefined,
    readonly installationId: number | undefined,
  ) {}

  /** Key for rate-limit accounting: GitHub counts per user or per installation. */
  get rateKey(): string {
    return this.installationId !== undefined
      ? `installation:${this.installationId}`
      : `${this.kind}:${this.account.login}`;
  }

  canAccess(repo: Repo): boolean {
    if (this.kind === 'app') return false;
    return (
      !this.repositories ||
      this.repositories.some((name) => name.toLowerCase() === repo.fullName.toLowerCase())
    );
  }

  get canWrite(): boolean {
    return (
      this.kind === 'token' ||
      Object.values(this.permissions).some((level) => level === 'write' || level === 'admin')
    );
  }
}

export const DEFAULT_INSTALLATION_PERMISSIONS: Readonly<Record<string, string>> = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  metadata: 'read',
  statuses: 'read',
};

export interface AppState {
  readonly appId: number;
  readonly slug: string;
  readonly clientId: string;
  readonly publicKey: KeyObject;
  readonly installations: readonly InstallationConfig[];
  readonly tokenTtlMs: number;
  readonly bot: Account;
  readonly owner: Account;
  readonly createdAt: number;
}

export class AuthRegistry {
  private readonly tokens = new Map<string, TokenRecord>();
  app: AppState | undefined;

  constructor(private readonly world: World) {}

  addToken(token: string, login: string): void {
    this.tokens.set(token, {
      account: this.world.account(login),
      expiresAt: undefined,
      installationId: undefined,
      repositories: undefined,
      permissions: {},
    });
  }

  /** Replaces every personal token with this one. */
  setToken(token: string, login: string): void {
    for (const [existing, record] of this.tokens)
      if (record.installationId === undefined) this.tokens.delete(existing);
    this.addToken(token, login);
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  configureApp(options: AppOptions): AppState {
    const keySource = options.publicKey ?? options.privateKeyPem;
    if (!keySource) throw new Error('configureApp needs privateKeyPem or publicKey');
    const publicKey = typeof keySource === 'string' ? createPublicKey(keySource) : keySource;
    const slug = options.slug ?? `app-${options.appId}`;
    const installations = options.installations ?? [{ id: options.installationId ?? 1 }];
    this.app = {
      appId: options.appId,
      slug,
      clientId: options.clientId ?? `Iv1.${options.appId.toString(16).padStart(16, '0')}`,
      publicKey,
      installations,
      tokenTtlMs: options.tokenTtlMs ?? 3_600_000,
      bot: this.world.account(`${slug}[bot]`, 'Bot'),
      owner: this.world.account('app-owner', 'Organization'),
      createdAt: this.world.clock.now(),
    };
    return this.app;
  }

  installationFor(repo: Repo): InstallationConfig | undefined {
    return this.app?.installations.find(
      (installation) =>
        (installation.account === undefined ||
          installation.account.toLowerCase() === repo.owner.login.toLowerCase()) &&
        (installation.repositories === undefined ||
          installation.repositories.some((name) => name.toLowerCase() === repo.fullName.toLowerCase())),
    );
  }

  issueInstallationToken(
    installationId: number,
    restrict: { repositories?: readonly string[]; permissions?: Readonly<Record<string, string>> },
  ): {
    token: string;
    expiresAt: number;
    permissions: Readonly<Record<string, string>>;
    repositories: readonly string[] | undefined;
  } {
    const app = this.app as AppState;
    const installation = app.installations.find((candidate) => candidate.id === installationId);
    if (!installation) throw new HttpError(404, 'Not Found');
    const token = `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`;
    const expiresAt = this.world.clock.now() + app.tokenTtlMs;
    const permissions = restrict.permissions ?? installation.permissions ?? DEFAULT_INSTALLATION_PERMISSIONS;
    const repositories = restrict.repositories ?? installation.repositories;
    this.tokens.set(token, { account: app.bot, expiresAt, installationId, repositories, permissions });
    return { token, expiresAt, permissions, repositories };
  }

  /**
   * The caller behind an Authorization header, or the 401 GitHub would answer with.
   * `wantsJwt` is true for the endpoints only an app (not an installation) may call.
   */
  authenticate(header: string | undefined, wantsJwt: boolean): Identity {
    if (!header)
      throw new HttpError(401, 'Requires authentication', {
        documentationUrl: 'https://docs.github.com/rest',
      });
    const match = /^(token|bearer)\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new HttpError(401, 'Bad credentials');
    const credential = match[2] as string;
    if (wantsJwt) return this.verifyJwt(credential);
    const record = this.tokens.get(credential);
    if (!record) {
      if (credential.split('.').length === 3 && this.app) {
        throw new HttpError(
          401,
          'A JSON web token could not be used to access this endpoint: use an installation token',
        );
      }
      throw new HttpError(401, 'Bad credentials');
    }
    if (record.expiresAt !== undefined && record.expiresAt <= this.world.clock.now()) {
      throw new HttpError(401, 'Bad credentials');
    }
    return new Identity(
      record.installationId === undefined ? 'token' : 'installation',
      record.account,
      record.permissions,
      record.repositories,
      record.installationId,
    );
  }

  private verifyJwt(jwt: string): Identity {
    const app = this.app;
    const undecodable = new HttpError(401, 'A JSON web token could not be decoded');
    if (!app) throw undecodable;
    const [headerPart, payloadPart, signaturePart] = jwt.split('.');
    if (!headerPart || !payloadPart || !signaturePart) throw undecodable;
    let header: { alg?: string };
    let payload: { iat?: unknown; exp?: unknown; iss?: unknown };
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
      payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      throw undecodable;
    }
    if (header.alg !== 'RS256') throw undecodable;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      app.publicKey,
      Buffer.from(signaturePart, 'base64url'),
    );
    if (!signed) throw undecodable;
    if (String(payload.iss) !== String(app.appId) && payload.iss !== app.clientId) {
      throw new HttpError(401, "'Issuer' claim ('iss') must be an Integer");
    }
    const now = Math.floor(this.world.clock.now() / 1000);
    if (typeof payload.iat !== 'number' || payload.iat > now + 60) {
      throw new HttpError(
        401,
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      );
    }
    if (typeof payload.exp !== 'number' || payload.exp <= now) {
      throw new HttpError(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    }
    if (payload.exp - payload.iat > 660 || payload.exp > now + 660) {
      throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future");
    }
    return new Identity('app', app.bot, {}, [], undefined);
  }
}
