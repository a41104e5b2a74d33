/**
 * An invalid config is reported in one issue of the environment repository, updated (not
 * duplicated) while the config stays invalid, and closed once it is valid again.
 */
import { formatConfigIssue, type ConfigIssue } from '../config.ts';
import type { IssueInfo, RepoClient } from '../../ports/git-host.ts';
import { UPDATER_ISSUE_LABEL as CONFIG_ISSUE_LABEL } from '../../names.ts';

function configIssueTitle(configPath: string): string {
  return `image-updater: ${configPath} is invalid`;
}

function body(configPath: string, sha: string, issues: readonly ConfigIssue[]): string {
  return [
    `image-updater cannot use \`${configPath}\` (blob ${sha.slice(0, 12)}), so it changes nothing in this repository until the file is fixed.`,
    '',
    '```',
    ...issues.map((i) => formatConfigIssue(configPath, i)),
    '```',
    '',
    'Check it locally, with the manifests it points at, with `npx image-updater validate --repo-dir .`. This issue closes itself when the config is valid again.',
  ].join('\n');
}

/** The config issue among the updater's issues (`RepoState.issues`): found by its title. */
function findConfigIssue(issues: readonly IssueInfo[], configPath: string): IssueInfo | undefined {
  const title = configIssueTitle(configPath);
  return issues.find((i) => i.title === title);
}

export type ConfigIssueAction = 'opened' | 'updated' | 'reopened' | 'unchanged' | 'closed' | 'none';

export async function reportInvalidConfig(
  client: RepoClient,
  configPath: string,
  sha: string,
  issues: readonly ConfigIssue[],
  updaterIssues: readonly IssueInfo[],
): Promise<ConfigIssueAction> {
  const title = configIssueTitle(configPath);
  const text = body(configPath, sha, issues);
  const existing = findConfigIssue(updaterIssues, configPath);
  if (!existing) {
    await client.createIssue({ title, body: text, labels: [CONFIG_ISSUE_LABEL] });
    return 'opened';
  }
  if (existing.state === 'open' && existing.body === text) return 'unchanged';
  await client.updateIssue(existing.number, {
    body: text,
    ...(existing.state === 'closed' ? { state: 'open' as const } : {}),
  });
  return existing.state === 'closed' ? 'reopened' : 'updated';
}

export async function resolveConfigIssue(
  client: RepoClient,
  configPath: string,
  updaterIssues: readonly IssueInfo[],
): Promise<ConfigIssueAction> {
  const existing = findConfigIssue(updaterIssues, configPath);
  if (!existing || existing.state === 'closed') return 'none';
  await client.comment(existing.number, `\`${configPath}\` is valid again; image-updater resumes updates.`);
  await client.updateIssue(existing.number, { state: 'closed' });
  return 'closed';
}
