/**
 * Review of issue 16 part 1: only the updater's own branches are its pull requests. A fork's PR
 * whose branch is named `image-updater/…` is anyone's to open, close and reopen, as often as
 * they like: it must not run the repository (each run is a full reconcile: every policy, every
 * registry's tag list).
 */
import { describe, expect, it } from 'vitest';
import { fixture, githubRig } from './github-rig.ts';

describe('POST /webhooks/github: a pull request from a fork', () => {
  it.each(['closed', 'reopened'])('%s, on a branch named image-updater/api, is ignored', async (action) => {
    const rig = githubRig();
    const sample = fixture('pull_request.closed');
    const pr = sample.pull_request as { head: Record<string, unknown> & { repo: Record<string, unknown> } };
    const body = {
      ...sample,
      action,
      pull_request: {
        ...sample.pull_request,
        merged: false,
        head: {
          ...pr.head,
          ref: 'image-updater/api',
          label: 'mallory:image-updater/api',
          repo: { ...pr.head.repo, full_name: 'mallory/Hello-World', fork: true },
        },
      },
      sender: { ...sample.sender, login: 'mallory', type: 'User' },
    };
    const response = await rig.send('pull_request', body);
    // Acknowledged and ignored: no event reaches the worker, which would read the repository.
    expect(rig.events).toEqual([]);
    expect(response.status).toBe(200);
  });
});
