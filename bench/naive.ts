/**
 * The approach users script today, for comparison: per push, a new branch named after the tag,
 * one Contents-API `PUT` (one commit) per file whose text names the image, and a new pull request.
 * No policy, no coalescing, no downgrade guard: a duplicate event fails on the existing branch,
 * an older one opens a downgrade. Same Octokit (with its throttling and retry plugins) and same
 * test server as the updater.
 */
import type { UpdaterOctokit } from '../lambdas/adapters/github/octokit.ts';

export interface NaivePush {
  readonly owner: string;
  readonly repo: string;
  /** The files the script edits (a script hard-codes them, or greps a checkout). */
  readonly files: readonly string[];
  readonly image: string;
  readonly tag: string;
  readonly base?: string;
}

export type NaiveOutcome =
  | { readonly kind: 'opened'; readonly pull: number }
  | { readonly kind: 'failed'; readonly status: number | undefined; readonly message: string };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function naivePush(octokit: UpdaterOctokit, push: NaivePush): Promise<NaiveOutcome> {
  const { owner, repo } = push;
  const base = push.base ?? 'main';
  const branch = `update/${push.image.split('/').at(-1)}-${push.tag}`;
  const image = escapeRegExp(push.image);
  const tag = '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
  // What a sed/yq script edits: `image:tag` strings, a Helm `repository:` + `tag:` pair, a
  // kustomize `name:` + `newTag:` pair.
  const edits: [RegExp, string][] = [
    [new RegExp(`(${image}):${tag}`, 'g'), `$1:${push.tag}`],
    [new RegExp(`(repository: ${image}\\n\\s+tag: "?)${tag}`, 'g'), `$1${push.tag}`],
    [new RegExp(`(name: ${image}\\n\\s+newTag: )${tag}`, 'g'), `$1${push.tag}`],
  ];
  try {
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${base}` });
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: ref.object.sha });
    for (const path of push.files) {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path, ref: branch });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) continue;
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      const next = edits.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
      if (next === text) continue;
      await octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path,
        branch,
        sha: data.sha,
        message: `chore: update ${push.image} to ${push.tag}`,
        content: Buffer.from(next, 'utf8').toString('base64'),
      });
    }
    const { data: pull } = await octokit.rest.pulls.create({
      owner,
      repo,
      head: branch,
      base,
      title: `Update ${push.image} to ${push.tag}`,
    });
    return { kind: 'opened', pull: pull.number };
  } catch (error) {
    const e = error as { status?: number; message?: string };
    return { kind: 'failed', status: e.status, message: String(e.message ?? error).split('\n')[0] ?? '' };
  }
}
