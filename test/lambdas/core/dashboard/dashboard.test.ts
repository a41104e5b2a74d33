/**
 * The dashboard against the GitHub test server with the production adapter: written only when it
 * changes, each held reason shown, one per repository, turned off and on, and its hidden state
 * data, never markup. (Found by a hostile review; each test states what a user should see.)
 */
import { describe, expect, it } from 'vitest';
import { readDashboardLines, renderDashboard } from '../../../../lambdas/core/dashboard/render.ts';
import {
  deployment,
  ECR,
  githubEnvPerTest,
  OWNER,
  push,
  REPO,
  setPullStateAsPerson,
  type GitHubEnv,
} from '../../../support/github-env.ts';

const API = `${ECR}/shop/api`;
const WEB = `${ECR}/shop/web`;
const githubEnvFor = githubEnvPerTest();

const dashboards = (env: GitHubEnv) =>
  env.server.listIssues(OWNER, REPO, { state: 'all' }).filter((i) => i.title === 'image-updater dashboard');
const row = (env: GitHubEnv, policy: string) =>
  dashboards(env)[0]!
    .body!.split('\n')
    .find((l) => l.startsWith(`| ${policy} |`))!;
const writes = (env: GitHubEnv) =>
  env.server.requests.filter((r) => r.write && r.status < 300).map((r) => r.operationId);
const reconcile = (env: GitHubEnv, tags: string[]) =>
  env.apply({ pushes: [], reconcile: true, tagLists: new Map([[API, tags.map((tag) => ({ tag }))]]) });

describe('the dashboard is written only when its content changes', () => {
  it('a reconcile and then a duplicate push, with nothing changed anywhere, write nothing', async () => {
    const env = await githubEnvFor({
      '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${API}\n    range: "<2"\n`,
      'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
    });
    // The registry holds 1.0.0 and 2.0.0 from here on; the repository stays at 1.0.0.
    await env.apply([push(API, '2.0.0')]);
    env.server.resetLog();
    await reconcile(env, ['1.0.0', '2.0.0']);
    const afterReconcile = writes(env);
    env.server.resetLog();
    await env.apply([push(API, '2.0.0')]);
    const afterDuplicate = writes(env);
    // Once a bug: the push says "held", the reconcile "up to date", the push "held" again: a write each.
    expect({ afterReconcile, afterDuplicate }).toEqual({ afterReconcile: [], afterDuplicate: [] });
  });
});

describe('the dashboard shows each held reason', () => {
  it('the downgrade guard: base above the range is held, and "newest allowed" is a tag the range allows', async () => {
    const env = await githubEnvFor({
      '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${API}\n    range: "<2"\n`,
      // Someone pinned 2.0.0 by hand; the policy allows only < 2.
      'apps/api/deploy.yaml': deployment(`${API}:2.0.0`),
    });
    await reconcile(env, ['1.5.0', '2.0.0']);
    const line = row(env, 'api');
    // Once a bug: "| `2.0.0` | `2.0.0` | `2.0.0` | up to date |": 2.0.0 is not allowed, and 1.5.0 is held back.
    expect(line).toContain('| `2.0.0` | `1.5.0` | `2.0.0` | **held**');
  });

  it('a file with a YAML syntax error: the line names the file, not "no reference"', async () => {
    const env = await githubEnvFor({
      '.image-updater.yaml': `version: 1\npolicies:\n  - name: api\n    image: ${API}\n    files: ["apps/api/**"]\n`,
      'apps/api/deploy.yaml': `${deployment(`${API}:1.0.0`)}  broken: [unclosed\n`,
    });
    const report = await env.apply([push(API, '1.3.0')]);
    expect(report.problems).toEqual([expect.objectContaining({ file: 'apps/api/deploy.yaml' })]);
    const line = row(env, 'api');
    // Once a bug: "**held**: no reference to …/shop/api in the policy's files".
    expect(line).toContain('apps/api/deploy.yaml');
  });
});

describe('one dashboard per repository', () => {
  it('two runs racing on a repository without a dashboard leave one open dashboard', async () => {
    const env = await githubEnvFor({
      '.image-updater.yaml': `version: 1\npolicies:\n  - {name: api, image: ${API}}\n  - {name: web, image: ${WEB}}\n`,
      'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
      'apps/web/deploy.yaml': deployment(`${WEB}:1.0.0`, 'web'),
    });
    await Promise.all([env.apply([push(API, '1.3.0')]), env.apply([push(WEB, '1.3.0')])]);
    // Later runs do not repair it either.
    await env.apply({
      pushes: [],
      reconcile: true,
      tagLists: new Map([
        [API, [{ tag: '1.3.0' }]],
        [WEB, [{ tag: '1.3.0' }]],
      ]),
    });
    // Once a bug: two open dashboards; one says "web: not decided yet" for ever.
    expect(dashboards(env).filter((d) => d.state === 'open')).toHaveLength(1);
  });

  it('`dashboard: false` and then `dashboard: true` again brings the dashboard back', async () => {
    const config = (on: boolean) =>
      `version: 1\ndashboard: ${on}\npolicies:\n  - {name: api, image: ${API}}\n`;
    const env = await githubEnvFor({
      '.image-updater.yaml': config(true),
      'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
    });
    await env.apply([push(API, '1.3.0')]);
    env.server.commitFiles(OWNER, REPO, 'main', { '.image-updater.yaml': config(false) }, 'off');
    expect((await env.apply([push(API, '1.3.1')])).dashboard).toBe('closed');
    env.server.commitFiles(OWNER, REPO, 'main', { '.image-updater.yaml': config(true) }, 'on');
    const report = await env.apply([push(API, '1.3.2')]);
    // Once a bug: 'left-closed': the updater's own close is taken for a person's "I don't want it".
    expect(report.dashboard).not.toBe('left-closed');
    expect(dashboards(env).filter((d) => d.state === 'open')).toHaveLength(1);
  });
});

describe('closed means no: the comment', () => {
  it('says how to undo it by reopening, or by ticking its line in the dashboard', async () => {
    const env = await githubEnvFor({
      '.image-updater.yaml': `version: 1\npolicies:\n  - {name: api, image: ${API}}\n`,
      'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
    });
    await env.apply([push(API, '1.3.0')]);
    const [pull] = env.server.listPulls(OWNER, REPO, { state: 'open' });
    await setPullStateAsPerson(env, pull!.number, 'closed');
    await env.apply([push(API, '1.3.0')]);
    const [comment] = env.server.listComments(OWNER, REPO, pull!.number);
    expect(comment?.body).toMatch(/reopen/);
    // Once a bug: only "reopen this pull request"; the dashboard's box is not mentioned.
    expect(comment?.body).toMatch(/dashboard/);
  });
});

describe("the dashboard's hidden state is data, never markup", () => {
  it('a hand-edited `since` cannot add HTML or split the row', () => {
    const forged = renderDashboard([
      {
        policy: 'api',
        image: API,
        state: 'up-to-date',
        base: '1.0.0',
        allowed: '1.0.0',
        detail: 'up to date',
        since: '2026-01-01T00:00:00Z',
      },
    ]).replace(
      '"since":"2026-01-01T00:00:00Z"',
      '"since":"<img src=x onerror=alert(1)> | [x](https://evil.example)"',
    );
    // A hidden state that does not hold an instant where it should is not read back: later runs
    // rebuild the lines they decide instead of keeping the forged one.
    expect(readDashboardLines(forged)).toEqual([]);
    const failing = renderDashboard([
      {
        policy: 'api',
        image: API,
        state: 'failing',
        detail: 'X | <img src=x> [y](https://evil.example)',
        since: '2026-01-01T00:00:00Z',
      },
    ]);
    const line = failing.split('\n').find((l) => l.startsWith('| api |'))!;
    // In a code span, which renders it as text: no link, no HTML, and the cell stays one cell.
    expect(line).toContain('**failing**: `X \\| <img src=x> [y](https://evil.example)`');
    expect(line.replace(/\\\|/g, '').split(' | ')).toHaveLength(7);
  });
});

describe('a blocked line still says where the image is', () => {
  it('shows the PR whose title says the waiting tag, not dashes', async () => {
    const env = await githubEnvFor({
      '.image-updater.yaml': `version: 1\npolicies:\n  - {name: api, image: ${API}}\n`,
      'apps/api/deploy.yaml': deployment(`${API}:1.0.0`),
    });
    await env.apply([push(API, '1.3.0')]);
    env.server.commitFiles(OWNER, REPO, 'image-updater/api', { 'notes.md': 'mine\n' }, 'a person');
    await env.apply([push(API, '1.4.0')]);
    // The PR's title says 1.4.0 would come: a newer push leaves the line, and the dashboard, as it is.
    expect(row(env, 'api')).toContain('| `1.0.0` | in #1 | in #1 | **blocked** (#1)');
  });
});

describe('the summary line of a dashboard too long for GitHub', () => {
  it('says where the policies left out are found, and names no command that cannot show them', () => {
    const lines = Array.from({ length: 400 }, (_, i) => ({
      policy: `policy-${i}`,
      image: API,
      state: 'up-to-date' as const,
      base: '1.0.0',
      allowed: '1.0.0',
      detail: 'up to date',
      since: '2026-01-01T00:00:00Z',
    }));
    const body = renderDashboard(lines);
    expect(body).toMatch(
      /\d+ more policies do not fit in this issue \(GitHub takes at most 65,536 characters\)/,
    );
    expect(body).not.toContain('image-updater plan');
  });
});
