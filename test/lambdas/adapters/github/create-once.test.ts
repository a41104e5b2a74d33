/**
 * Comments and issues have no idempotency key on GitHub: after an answer that leaves open whether
 * one was created (a 502, a connection reset), the client looks for it before sending it again.
 * Measured on the GitHub test server through the production Octokit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubHost } from '../../../../lambdas/adapters/github/host.ts';
import type { RepoClient } from '../../../../lambdas/ports/git-host.ts';
import { GitHostError } from '../../../../lambdas/ports/git-host-errors.ts';
import type { Fault } from '@image-updater/github-test-server/faults';
import { createGitHubTestServer, type GitHubTestServer } from '@image-updater/github-test-server';

let server: GitHubTestServer | undefined;
afterEach(async () => {
  server?.assertNoViolations();
  await server?.close();
  server = undefined;
});

async function client(): Promise<{ server: GitHubTestServer; repo: RepoClient; issue: number }> {
  server = await createGitHubTestServer();
  server.createRepo('acme', 'app', { files: { 'README.md': 'hi\n' } });
  const issue = server.createIssue('acme', 'app', { title: 'a pull request to comment on' });
  const host = new GitHubHost({
    auth: { kind: 'token', token: 'test-token' },
    baseUrl: server.url,
    writesPerMinute: 0,
    retryAfterBaseMs: 1,
  });
  const repo = await host.repo({ owner: 'acme', name: 'app' });
  server.resetLog();
  return { server, repo, issue };
}

type Outcome = { resolves: true } | { rejects: string };

interface Case {
  readonly name: string;
  readonly faults: readonly Omit<Fault, 'match'>[];
  /** Creating requests that reached the server, look-ups, and what the repository holds after. */
  readonly sends: number;
  readonly lookups: number;
  readonly created: number;
  readonly outcome: Outcome;
}

const cases: readonly Case[] = [
  { name: 'answered', faults: [], sends: 1, lookups: 0, created: 1, outcome: { resolves: true } },
  {
    name: 'applied, then answered 502',
    faults: [{ afterApply: true, respond: { status: 502 } }],
    sends: 1,
    lookups: 1,
    created: 1,
    outcome: { resolves: true },
  },
  {
    name: 'applied, then its connection reset',
    faults: [{ afterApply: true, respond: { networkError: true } }],
    sends: 1,
    lookups: 1,
    created: 1,
    outcome: { resolves: true },
  },
  {
    name: 'answered 502 before it was applied',
    faults: [{ respond: { status: 502 } }],
    sends: 2,
    lookups: 1,
    created: 1,
    outcome: { resolves: true },
  },
  {
    name: 'its connection reset before it was applied',
    faults: [{ respond: { networkError: true } }],
    sends: 2,
    lookups: 1,
    created: 1,
    outcome: { resolves: true },
  },
  {
    name: 'answered 502 twice before it was applied',
    faults: [{ times: 2, respond: { status: 502 } }],
    sends: 2,
    lookups: 2,
    created: 0,
    outcome: { rejects: 'GITHUB_SERVER_ERROR' },
  },
  {
    name: 'refused with 422',
    faults: [{ respond: { status: 422, message: 'Validation Failed' } }],
    sends: 1,
    lookups: 0,
    created: 0,
    outcome: { rejects: 'GITHUB_UNPROCESSABLE' },
  },
];

const kinds = [
  {
    kind: 'a comment',
    create: 'issues/create-comment',
    lookup: 'issues/list-comments',
    send: (repo: RepoClient, issue: number) => repo.comment(issue, 'Closing: superseded.'),
    count: (s: GitHubTestServer, issue: number) =>
      s.listComments('acme', 'app', issue).filter((c) => c.body === 'Closing: superseded.').length,
  },
  {
    kind: 'an issue',
    create: 'issues/create',
    lookup: 'issues/list-for-repo',
    send: (repo: RepoClient) =>
      repo.createIssue({ title: 'config invalid', body: 'line 3: unknown key', labels: ['image-updater'] }),
    count: (s: GitHubTestServer) =>
      s.listIssues('acme', 'app').filter((i) => i.title === 'config invalid').length,
  },
] as const;

describe.each(kinds)('creating $kind', ({ create, lookup, send, count }) => {
  it.each(cases)('$name', async (c) => {
    const { server, repo, issue } = await client();
    for (const fault of c.faults) server.addFault({ ...fault, match: { operationId: create } });
    const result = send(repo, issue);
    if ('resolves' in c.outcome) await expect(result).resolves.not.toThrow();
    else await expect(result).rejects.toMatchObject({ code: c.outcome.rejects });
    expect(server.requestCount({ operationId: create })).toBe(c.sends);
    expect(server.requestCount({ operationId: lookup })).toBe(c.lookups);
    expect(count(server, issue)).toBe(c.created);
  });

  it('sends nothing again when the look-up fails too: the first failure is the answer', async () => {
    const { server, repo, issue } = await client();
    server.addFault({ match: { operationId: create }, afterApply: true, respond: { status: 502 } });
    server.addFault({ match: { operationId: lookup }, times: Infinity, respond: { status: 503 } });
    const failure = await send(repo, issue).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitHostError);
    expect(failure).toMatchObject({ code: 'GITHUB_SERVER_ERROR', retryable: true });
    expect(server.requestCount({ operationId: create })).toBe(1);
    expect(count(server, issue)).toBe(1);
  });
});

describe('finding a comment', () => {
  it('does not take an older comment with another text for the one sent', async () => {
    const { server, repo, issue } = await client();
    await repo.comment(issue, 'first');
    server.addFault({ match: { operationId: 'issues/create-comment' }, respond: { status: 502 } });
    await repo.comment(issue, 'second');
    expect(server.listComments('acme', 'app', issue).map((c) => c.body)).toEqual(['first', 'second']);
  });
});
