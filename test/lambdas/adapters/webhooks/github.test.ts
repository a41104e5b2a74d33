import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHANGED_PATHS } from '../../../../lambdas/core/repo-events.ts';
import { commit, DELIVERY, fixture, githubRig, push, SHA } from './github-rig.ts';
import { hubSignature, reasons, SECRET, webhookRig } from './rig.ts';

describe('POST /webhooks/github: signatures', () => {
  const body = JSON.stringify(fixture('ping'));
  it.each([
    ['the App secret', hubSignature(body), 200],
    ['another secret', hubSignature(body, 'not-the-app-secret-00000000'), 401],
    [
      "the registries' default secret (GitHub takes only its own key)",
      hubSignature(body, 'a-registry-secret-only-0001'),
      401,
    ],
    ['a sha1 signature', `sha1=${'0'.repeat(40)}`, 401],
    ['the right HMAC of another body', hubSignature('{}'), 401],
    ['an empty signature', '', 401],
  ])('signed with %s: %i', async (_what, signature, status) => {
    const rig = githubRig();
    const response = await rig.send('ping', body, { 'x-hub-signature-256': signature });
    expect(response.status).toBe(status);
    expect(rig.events).toEqual([]);
  });

  it('an unsigned delivery is 401', async () => {
    const rig = githubRig();
    const response = await rig.post('github', body, {
      headers: { 'x-github-event': 'ping', 'x-github-delivery': DELIVERY },
    });
    expect(response.status).toBe(401);
  });

  it('without a github secret every delivery is 401, even one signed with the default secret', async () => {
    const rig = webhookRig({ secrets: SECRET });
    const text = JSON.stringify(push({ commits: [commit(['a.yaml'])] }));
    const response = await rig.post('github', text, {
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': DELIVERY,
        'x-hub-signature-256': hubSignature(text),
      },
    });
    expect(response.status).toBe(401);
    expect(rig.events).toEqual([]);
  });

  it('any body with a wrong signature is 401 and queues nothing', async () => {
    const rig = githubRig();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.string({ maxLength: 80 }),
        async (bytes, signature) => {
          const bodyBytes = Buffer.from(bytes);
          fc.pre(signature !== hubSignature(bodyBytes));
          const response = await rig.post('github', bodyBytes, {
            headers: {
              'x-github-event': 'push',
              'x-github-delivery': DELIVERY,
              'x-hub-signature-256': signature,
            },
          });
          expect(response.status).toBe(401);
        },
      ),
      { numRuns: 200 },
    );
    expect(rig.events).toEqual([]);
  });
});

describe('POST /webhooks/github: events', () => {
  it('a push to the default branch queues its changed paths, installation and delivery id', async () => {
    const rig = githubRig();
    const body = push({
      commits: [
        commit(['.image-updater.yaml'], ['apps/api.yaml']),
        commit([], ['apps/api.yaml'], ['old.yaml']),
      ],
    });
    const response = await rig.send('push', body);
    expect(response.status).toBe(202);
    expect(response.json).toEqual({ status: 'accepted', delivery: DELIVERY, event: 'push' });
    expect(rig.events).toEqual([
      {
        id: DELIVERY,
        event: {
          type: 'push',
          repo: 'Codertocat/Hello-World',
          branch: 'master',
          after: SHA,
          changedPaths: ['.image-updater.yaml', 'apps/api.yaml', 'old.yaml'],
          truncated: false,
          installationId: 1,
        },
      },
    ]);
  });

  it.each([
    ['a new branch (before is all zeros)', fixture('push.with-new-branch')],
    ['a forced push', push({ forced: true, commits: [commit(['a.yaml'])] })],
    [
      '20 commits (GitHub may have cut the list)',
      push({ commits: Array.from({ length: 20 }, (_, i) => commit([`f${i}`])) }),
    ],
    [
      `more than ${MAX_CHANGED_PATHS} paths`,
      push({ commits: [commit(Array.from({ length: MAX_CHANGED_PATHS + 1 }, (_, i) => `p/${i}.yaml`))] }),
    ],
  ])('%s is truncated: the config may have changed', async (_what, body) => {
    const rig = githubRig();
    expect((await rig.send('push', body)).status).toBe(202);
    const event = rig.events[0]!.event;
    expect(event).toMatchObject({ type: 'push', truncated: true });
    expect(event.type === 'push' && event.changedPaths.length).toBeLessThanOrEqual(MAX_CHANGED_PATHS);
  });

  it.each([
    [
      'a push to another branch',
      push({ ref: 'refs/heads/feature', commits: [commit(['a'])] }),
      'other-branch',
    ],
    ['a tag deleted (sample)', fixture('push.with-installation'), 'other-branch'],
    [
      'the default branch deleted',
      push({ deleted: true, after: '0'.repeat(40), commits: [] }),
      'branch-deleted',
    ],
    ['pull_request opened', fixture('pull_request.opened'), 'other-action'],
  ])('%s is 200 ignored and queues nothing', async (_what, body, reason) => {
    const rig = githubRig();
    const event = 'pull_request' in body ? 'pull_request' : 'push';
    const response = await rig.send(event, body);
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('ignored');
    expect(reasons(response)).toEqual([reason]);
    expect(rig.events).toEqual([]);
  });

  it.each([
    [
      'installation',
      'installation.created',
      {
        type: 'repositories',
        installationId: 957387,
        added: ['Codertocat/Hello-World'],
        removed: [],
        installationRemoved: false,
      },
    ],
    [
      'installation',
      'installation.deleted',
      {
        type: 'repositories',
        installationId: 2,
        added: [],
        removed: ['octocat/Hello-World'],
        installationRemoved: true,
      },
    ],
    [
      'installation',
      'installation.suspend',
      { type: 'repositories', installationId: 16598467, added: [], removed: [], installationRemoved: true },
    ],
    [
      'installation_repositories',
      'installation_repositories.added',
      {
        type: 'repositories',
        installationId: 957387,
        added: ['Codertocat/Space'],
        removed: [],
        installationRemoved: false,
      },
    ],
    [
      'installation_repositories',
      'installation_repositories.removed',
      {
        type: 'repositories',
        installationId: 2,
        added: [],
        removed: ['octocat/Hello-World'],
        installationRemoved: false,
      },
    ],
    [
      'pull_request',
      'pull_request.closed',
      {
        type: 'pull-request',
        repo: 'Codertocat/Hello-World',
        number: 2,
        action: 'closed',
        merged: false,
        headRef: 'changes',
        headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        baseRef: 'master',
        sender: 'Codertocat',
        senderIsBot: false,
        installationId: 1,
      },
    ],
    [
      'pull_request',
      'pull_request.reopened',
      { type: 'pull-request', repo: 'Codertocat/Hello-World', number: 2, action: 'reopened', merged: false },
    ],
  ])('%s (%s sample) becomes %j', async (event, name, expected) => {
    const rig = githubRig();
    const response = await rig.send(event, fixture(name));
    expect(response.status).toBe(202);
    expect(rig.events[0]!.event).toMatchObject(expected);
  });

  it('a merged pull request closed by a bot carries its merge commit and senderIsBot', async () => {
    const rig = githubRig();
    const sample = fixture('pull_request.closed');
    const body = {
      ...sample,
      pull_request: { ...sample.pull_request, merged: true, merge_commit_sha: SHA },
      sender: { ...sample.sender, login: 'image-updater[bot]', type: 'Bot' },
    };
    await rig.send('pull_request', body);
    expect(rig.events[0]!.event).toMatchObject({
      merged: true,
      mergeCommitSha: SHA,
      sender: 'image-updater[bot]',
      senderIsBot: true,
    });
  });

  const labelled = (name: string, labels: string[]) => {
    const sample = fixture(name);
    return {
      ...sample,
      issue: { ...sample.issue, labels: labels.map((l) => ({ ...sample.issue.labels[0], name: l })) },
    };
  };
  it.each([
    ['issues', 'issues.labeled', 'labeled', 'Codertocat/Hello-World', undefined],
    [
      'issue_comment',
      'issue_comment.created.with-installation',
      'comment:created',
      'Codertocat/Hello-World',
      1,
    ],
  ])('%s on an issue labelled image-updater is queued', async (event, name, action, repo, installationId) => {
    const rig = githubRig();
    const response = await rig.send(event, labelled(name, ['bug', 'image-updater']));
    expect(response.status).toBe(202);
    expect(rig.events[0]!.event).toEqual({
      type: 'issue',
      repo,
      number: 1,
      action,
      sender: 'Codertocat',
      senderIsBot: false,
      ...(installationId ? { installationId } : {}),
    });
  });

  const BOX = (mark: ' ' | 'x') =>
    `- [${mark}] <!-- retry:api --> Retry **api** now, from the registry's tag list`;
  const edited = (from: string | undefined, body: string) => {
    const sample = labelled('issues.labeled', ['image-updater']);
    return {
      ...sample,
      action: 'edited',
      issue: { ...sample.issue, body },
      ...(from === undefined ? {} : { changes: { body: { from } } }),
    };
  };
  it.each([
    ['a box ticked', BOX(' '), BOX('x'), 202],
    [
      'a box unticked (the updater rewriting its line, or a person changing their mind)',
      BOX('x'),
      BOX(' '),
      200,
    ],
    ['text edited, no box ticked', `${BOX(' ')}\nold`, `${BOX(' ')}\nnew`, 200],
    ['the title edited (no body change)', undefined, BOX('x'), 200],
  ] as const)('issues edited, %s: queued only when a box was ticked', async (_, from, body, status) => {
    const rig = githubRig();
    const response = await rig.send('issues', edited(from, body));
    expect(response.status).toBe(status);
    if (status === 202) expect(rig.events[0]!.event).toMatchObject({ type: 'issue', action: 'edited' });
    else {
      expect(reasons(response)).toEqual(['no-box-ticked']);
      expect(rig.events).toEqual([]);
    }
  });

  it.each([
    ['issues', 'issues.labeled'],
    ['issue_comment', 'issue_comment.created.with-installation'],
  ])('%s on an issue without the label (the sample\'s "bug" only) is ignored', async (event, name) => {
    const rig = githubRig();
    const response = await rig.send(event, fixture(name));
    expect(response.status).toBe(200);
    expect(reasons(response)).toEqual(['not-an-updater-issue']);
    expect(rig.events).toEqual([]);
  });

  it.each([
    ['ping', fixture('ping')],
    ['star', { action: 'created' }],
    ['workflow_run', {}],
  ])('%s is 200 ignored', async (event, body) => {
    const rig = githubRig();
    const response = await rig.send(event, body);
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('ignored');
    expect(reasons(response)).toEqual(['other-event']);
    expect(rig.events).toEqual([]);
  });
});
