import { describe, expect, it } from 'vitest';
import { configPathOf, parseFunctionEnv } from '../../../lambdas/handlers/env.ts';

const BASE = {
  WATCHED_REPOS:
    '[{"repo":"acme/gitops"},{"repo":"acme/platform","configPath":"deploy/.image-updater.yaml"}]',
  GITHUB_SECRET_ID: 'prod/github',
  GITHUB_AUTH: 'app',
};

describe('function environment', () => {
  it('reads what the construct sets, with defaults', () => {
    const env = parseFunctionEnv(BASE);
    expect(env).toEqual({
      WATCHED_REPOS: [
        { repo: 'acme/gitops' },
        { repo: 'acme/platform', configPath: 'deploy/.image-updater.yaml' },
      ],
      GITHUB_SECRET_ID: 'prod/github',
      GITHUB_AUTH: 'app',
      GITHUB_WRITES_PER_MINUTE: 80,
      SECRET_CACHE_SECONDS: 300,
      GITHUB_EVENTS: 'off',
    });
    expect(env.WATCHED_REPOS.map(configPathOf)).toEqual([
      '.image-updater.yaml',
      'deploy/.image-updater.yaml',
    ]);
    expect(
      parseFunctionEnv({
        ...BASE,
        GITHUB_API_URL: 'https://github.example.com/api/v3',
        GITHUB_WRITES_PER_MINUTE: '26',
      }),
    ).toMatchObject({
      GITHUB_API_URL: 'https://github.example.com/api/v3',
      GITHUB_WRITES_PER_MINUTE: 26,
    });
  });

  it.each([
    ['WATCHED_REPOS', 'acme/gitops', /WATCHED_REPOS: not JSON/],
    ['WATCHED_REPOS', '[{"repo":"gitops"}]', /WATCHED_REPOS\.0\.repo: expected owner\/name/],
    ['WATCHED_REPOS', '[{"repo":"acme/x","configPath":"../y"}]', /inside the repository/],
    ['GITHUB_AUTH', 'oauth', /GITHUB_AUTH/],
    ['GITHUB_API_URL', 'ftp://x', /GITHUB_API_URL/],
    ['GITHUB_WRITES_PER_MINUTE', 'many', /GITHUB_WRITES_PER_MINUTE/],
    ['GITHUB_SECRET_ID', undefined, /GITHUB_SECRET_ID/],
    ['GITHUB_EVENTS', 'yes', /GITHUB_EVENTS/],
    ['DISCOVERY', '{"names":["acme/*"]}', /DISCOVERY: give WATCHED_REPOS or DISCOVERY, not both/],
    ['DISCOVERY', '{"topic":"Has Spaces"}', /DISCOVERY\.topic: a GitHub topic/],
    ['DISCOVERY', '{"nmes":["acme/*"]}', /DISCOVERY: Unrecognized key/],
    ['DISCOVERY', '{"names":["env-*"]}', /DISCOVERY\.names\.0: an owner\/name glob/],
    ['WATCHED_REPOS', '[]', /WATCHED_REPOS: empty, and no DISCOVERY/],
    ['RELEASE_AGE_SCHEDULE_GROUP', 'group with spaces', /RELEASE_AGE_SCHEDULE_GROUP: a schedule group name/],
    ['RELEASE_AGE_SCHEDULE_GROUP', 'image-updater', /RELEASE_AGE_SCHEDULE_GROUP: .* go together/],
    ['RELEASE_AGE_ROLE_ARN', 'release-age', /RELEASE_AGE_ROLE_ARN: an IAM role ARN/],
    ['WORK_QUEUE_ARN', 'https://sqs.eu-west-1.amazonaws.com/1/q', /WORK_QUEUE_ARN: an SQS queue ARN/],
  ])('names the variable that is wrong: %s', (key, value, message) => {
    expect(() => parseFunctionEnv({ ...BASE, [key]: value })).toThrow(message);
  });

  it('takes the release-age schedule group, its role and the queue together', () => {
    const env = parseFunctionEnv({
      ...BASE,
      RELEASE_AGE_SCHEDULE_GROUP: 'S-ReleaseAgeScheduleGroup-C0BFE610',
      RELEASE_AGE_ROLE_ARN: 'arn:aws:iam::111122223333:role/S-ReleaseAgeSchedulerRole-1A2B',
      WORK_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:111122223333:S-Queue-1A2B',
    });
    expect(env.RELEASE_AGE_SCHEDULE_GROUP).toBe('S-ReleaseAgeScheduleGroup-C0BFE610');
  });

  it('takes DISCOVERY instead of a list with App credentials, and refuses it with a token', () => {
    const discovering = {
      ...BASE,
      WATCHED_REPOS: '[]',
      DISCOVERY: '{"names":["acme/env-*"],"topic":"gitops"}',
    };
    expect(parseFunctionEnv(discovering).DISCOVERY).toEqual({ names: ['acme/env-*'], topic: 'gitops' });
    expect(() => parseFunctionEnv({ ...discovering, GITHUB_AUTH: 'token' })).toThrow(
      /DISCOVERY: needs GITHUB_AUTH=app/,
    );
  });
});
