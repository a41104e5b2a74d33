import type { IncomingHttpHeaders } from 'node:http';
import type { AuthRegistry, Identity } from '../auth.ts';
import type { RateLimiter } from '../limits.ts';
import { HttpError, notFound } from '../errors.ts';
import type { Account, IssueRecord, Repo, World } from '../model.ts';
import type { Renderer } from '../render.ts';

export interface RouteContext {
  readonly world: World;
  readonly render: Renderer;
  /** Path parameters, decoded and coerced to their declared types. */
  readonly params: Record<string, unknown>;
  /** Query parameters, coerced to their declared types. */
  readonly query: Record<string, unknown>;
  // Bodies have been validated against the operation's schema before a route sees them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly identity: Identity;
  readonly actor: Account;
  readonly headers: IncomingHttpHeaders;
  /** The request URL as received (for pagination links). */
  readonly url: URL;
  readonly apiRoot: string;
  readonly auth: AuthRegistry;
  readonly limits: RateLimiter;
}

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** A non-JSON body (raw media types); skips response validation. */
  readonly raw?: { readonly data: Buffer | string; readonly contentType: string };
}

export type Route = (context: RouteContext) => RouteResult;

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): RouteResult =>
  headers ? { status, body, headers } : { status, body };

export const noContent = (): RouteResult => ({ status: 204 });

/** The repository named by `{owner}/{repo}`, if it exists and the caller may see it. */
export function repoOf(context: RouteContext): Repo {
  const repo = context.world.repo(String(context.params.owner), String(context.params.repo));
  if (!repo || !context.identity.canAccess(repo)) throw notFound();
  return repo;
}

export function issueOf(context: RouteContext, repo: Repo, parameter = 'issue_number'): IssueRecord {
  const issue = repo.issues.get(Number(context.params[parameter]));
  if (!issue) throw notFound();
  return issue;
}

export function pullOf(context: RouteContext, repo: Repo): IssueRecord {
  const issue = repo.issues.get(Number(context.params.pull_number));
  if (!issue?.pull) throw notFound();
  return issue;
}

export function requireWrite(context: RouteContext): void {
  if (!context.identity.canWrite) throw new HttpError(403, 'Resource not accessible by integration');
}

/** GitHub's page/per_page pagination with a `Link` header. */
export function paginate<T>(
  context: RouteContext,
  items: readonly T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(context.query.per_page ?? 30), 1), 100);
  const pageNumber = Math.max(Number(context.query.page ?? 1), 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const link = (target: number, rel: string): string => {
    const url = new URL(context.url.href);
    url.searchParams.set('page', String(target));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'));
  if (pageNumber < last) links.push(link(pageNumber + 1, 'next'), link(last, 'last'));
  if (pageNumber > 1) links.push(link(1, 'first'));
  return { page, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

export function sortByDate<T>(
  items: T[],
  key: (item: T) => number,
  direction: unknown,
  defaultDirection: 'asc' | 'desc',
): T[] {
  const factor = (direction ?? defaultDirection) === 'asc' ? 1 : -1;
  return items.sort((a, b) => (key(a) - key(b)) * factor);
}

export function base64Lines(data: Buffer): string {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let index = 0; index < text.length; index += 60) lines.push(text.slice(index, index + 60));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Validates a git ref name the way `git check-ref-format` does (the parts GitHub enforces). */
export function isValidRefName(ref: string): boolean {
  if (!/^refs\/[^/]+\/.+/.test(ref)) return false;
  if (
    ref.endsWith('/') ||
    ref.endsWith('.') ||
    ref.endsWith('.lock') ||
    ref.includes('..') ||
    ref.includes('//')
  ) {
    return false;
  }
  if (
    ref.includes('@{') ||
    /[\s~^:?*[\\\x7f]/.test(ref) ||
    [...ref].some((char) => char.charCodeAt(0) < 0x20)
  )
    return false;
  return ref.split('/').every((part) => part !== '' && !part.startsWith('.'));
}
