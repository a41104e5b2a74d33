import type { Identity } from './auth.ts';
import { isoSeconds } from './clock.ts';
import { HttpError } from './errors.ts';
import { commitOnBranch, CommitOnBranchError } from './graphql-commits.ts';
import type { Account, IssueRecord, MergeMethod, Repo, World } from './model.ts';

/**
 * The slice of GitHub's GraphQL schema the emulator serves: object types with their resolvers,
 * interfaces, enums and input objects. Executed by `graphql.ts`.
 */

export interface ExecutionContext {
  readonly world: World;
  readonly identity: Identity;
  readonly webRoot: string;
}

type Resolver = (parent: never, args: Record<string, unknown>, context: ExecutionContext) => unknown;

export interface FieldDef {
  readonly type: string;
  readonly args?: Readonly<Record<string, string>>;
  readonly resolve: Resolver;
}

export class FieldError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface PullValue {
  readonly __typename: 'PullRequest';
  readonly repo: Repo;
  readonly issue: IssueRecord;
}
interface RepoValue {
  readonly __typename: 'Repository';
  readonly repo: Repo;
}
interface RefValue {
  readonly __typename: 'Ref';
  readonly repo: Repo;
  readonly ref: string;
  readonly sha: string;
}
interface CommitValue {
  readonly __typename: 'Commit';
  readonly repo: Repo;
  readonly sha: string;
}
type ActorValue = Account & { readonly __typename: 'User' | 'Bot' | 'Organization' };

const actor = (account: Account): ActorValue => ({ ...account, __typename: account.type });
const pullValue = (repo: Repo, issue: IssueRecord): PullValue => ({ __typename: 'PullRequest', repo, issue });
const field = <P>(
  type: string,
  resolve: (parent: P, args: Record<string, unknown>, context: ExecutionContext) => unknown,
  args?: Record<string, string>,
): FieldDef => (args ? { type, args, resolve: resolve as Resolver } : { type, resolve: resolve as Resolver });

const MERGE_METHODS: Record<string, MergeMethod> = { MERGE: 'merge', SQUASH: 'squash', REBASE: 'rebase' };

function mergeStateStatus(world: World, value: PullValue): string {
  return { clean: 'CLEAN', dirty: 'DIRTY', blocked: 'BLOCKED', draft: 'DRAFT', unknown: 'UNKNOWN' }[
    world.mergeability(value.repo, value.issue).state
  ];
}

function pullByNodeId(context: ExecutionContext, id: unknown): PullValue {
  const found = context.world.pullNodes.get(String(id));
  const issue = found?.repo.issues.get(found.number);
  if (!found || !issue || !context.identity.canAccess(found.repo)) {
    throw new FieldError('NOT_FOUND', `Could not resolve to a node with the global id of '${String(id)}'`);
  }
  return pullValue(found.repo, issue);
}

function requireWrite(context: ExecutionContext): void {
  if (!context.identity.canWrite) throw new FieldError('FORBIDDEN', 'Resource not accessible by integration');
}

/**
 * A mutation on one pull request (`input.pullRequestId`): found and write-checked first, then
 * `act` runs, then the payload every such mutation returns.
 */
const pullMutation = (
  payload: string,
  input: string,
  act: (value: PullValue, input: Record<string, unknown>, context: ExecutionContext) => void,
): FieldDef =>
  field<unknown>(
    payload,
    (_parent, args, context) => {
      const fields = args.input as Record<string, unknown>;
      const value = pullByNodeId(context, fields.pullRequestId);
      requireWrite(context);
      act(value, fields, context);
      return {
        clientMutationId: fields.clientMutationId ?? null,
        pullRequest: value,
        actor: actor(context.identity.account),
      };
    },
    { input },
  );

function connection<T>(items: readonly T[], args: Record<string, unknown>) {
  const first = typeof args.first === 'number' ? args.first : undefined;
  const last = typeof args.last === 'number' ? args.last : undefined;
  if ((first ?? last ?? 0) > 100)
    throw new FieldError(
      'EXCESSIVE_PAGINATION',
      'Requesting more than 100 records on the connection is not allowed.',
    );
  const offset =
    typeof args.after === 'string'
      ? Number(Buffer.from(args.after, 'base64').toString('utf8').replace('cursor:', ''))
      : 0;
  let window = items.slice(offset);
  if (first !== undefined) window = window.slice(0, first);
  if (last !== undefined) window = window.slice(-last);
  const end = offset + window.length;
  return {
    totalCount: items.length,
    nodes: window,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: offset > 0,
      endCursor: window.length > 0 ? Buffer.from(`cursor:${end}`).toString('base64') : null,
      startCursor: window.length > 0 ? Buffer.from(`cursor:${offset}`).toString('base64') : null,
    },
  };
}

export const OBJECTS: Record<string, Record<string, FieldDef>> = {
  Query: {
    repository: field<unknown>(
      'Repository',
      (_parent, args, context) => {
        const repo = context.world.repo(String(args.owner), String(args.name));
        if (!repo || !context.identity.canAccess(repo)) {
          throw new FieldError(
            'NOT_FOUND',
            `Could not resolve to a Repository with the name '${String(args.owner)}/${String(args.name)}'.`,
          );
        }
        return { __typename: 'Repository', repo } satisfies RepoValue;
      },
      { owner: 'String!', name: 'String!', followRenames: 'Boolean' },
    ),
    node: field<unknown>('Node', (_parent, args, context) => pullByNodeId(context, args.id), { id: 'ID!' }),
    viewer: field<unknown>('User!', (_parent, _args, context) => actor(context.identity.account)),
    rateLimit: field<unknown>(
      'RateLimit',
      () => ({
        limit: 5000,
        cost: 1,
        remaining: 4999,
        used: 1,
        nodeCount: 1,
        resetAt: isoSeconds(Date.now() + 3_600_000),
      }),
      {
        dryRun: 'Boolean',
      },
    ),
  },
  Mutation: {
    enablePullRequestAutoMerge: pullMutation(
      'EnablePullRequestAutoMergePayload',
      'EnablePullRequestAutoMergeInput!',
      (value, input, context) => {
        const { world } = context;
        const { repo, issue } = value;
        const pull = issue.pull as NonNullable<IssueRecord['pull']>;
        const method = MERGE_METHODS[String(input.mergeMethod ?? 'MERGE')] as MergeMethod;
        const unprocessable = (message: string) => new FieldError('UNPROCESSABLE', `Pull request ${message}`);
        if (!repo.settings.allowAutoMerge)
          throw unprocessable('Auto merge is not allowed for this repository');
        if (issue.state !== 'open') throw unprocessable('Pull request is closed');
        if (!world.isMethodAllowed(repo, method))
          throw unprocessable(`Merge method ${method} is not allowed on this repository`);
        if (
          input.expectedHeadOid !== undefined &&
          input.expectedHeadOid !== null &&
          input.expectedHeadOid !== world.pullHeadSha(repo, issue)
        ) {
          throw unprocessable('Head sha did not match expected head sha');
        }
        const state = world.mergeability(repo, issue).state;
        // GitHub refuses to arm auto-merge on a PR that could be merged right now.
        if (state === 'clean' && world.options.autoMergeWhenClean === 'reject')
          throw unprocessable('Pull request is in clean status');
        pull.autoMerge = {
          enabledBy: context.identity.account,
          method,
          enabledAt: world.clock.now(),
          commitTitle: typeof input.commitHeadline === 'string' ? input.commitHeadline : undefined,
          commitBody: typeof input.commitBody === 'string' ? input.commitBody : undefined,
        };
        world.settle(repo);
      },
    ),
    disablePullRequestAutoMerge: pullMutation(
      'DisablePullRequestAutoMergePayload',
      'DisablePullRequestAutoMergeInput!',
      (value) => {
        (value.issue.pull as NonNullable<IssueRecord['pull']>).autoMerge = null;
      },
    ),
    createCommitOnBranch: field<unknown>(
      'CreateCommitOnBranchPayload',
      (_parent, args, context) => {
        const input = args.input as Record<string, unknown>;
        try {
          const { repo, sha, ref } = commitOnBranch(context.world, context.identity, input);
          return {
            clientMutationId: input.clientMutationId ?? null,
            commit: { __typename: 'Commit', repo, sha } satisfies CommitValue,
            ref: { __typename: 'Ref', repo, ref, sha } satisfies RefValue,
          };
        } catch (error) {
          if (error instanceof CommitOnBranchError) throw new FieldError(error.type, error.message);
          throw error;
        }
      },
      { input: 'CreateCommitOnBranchInput!' },
    ),
    mergePullRequest: pullMutation(
      'MergePullRequestPayload',
      'MergePullRequestInput!',
      (value, input, context) => {
        try {
          context.world.merge(value.repo, value.issue, context.identity.account, {
            method: MERGE_METHODS[String(input.mergeMethod ?? 'MERGE')] as MergeMethod,
            ...(typeof input.expectedHeadOid === 'string' ? { sha: input.expectedHeadOid } : {}),
            ...(typeof input.commitHeadline === 'string' ? { commitTitle: input.commitHeadline } : {}),
            ...(typeof input.commitBody === 'string' ? { commitMessage: input.commitBody } : {}),
          });
        } catch (error) {
          if (error instanceof HttpError) throw new FieldError('UNPROCESSABLE', error.message);
          throw error;
        }
      },
    ),
  },
  Repository: {
    id: field<RepoValue>('ID!', (value) => value.repo.nodeId),
    name: field<RepoValue>('String!', (value) => value.repo.name),
    nameWithOwner: field<RepoValue>('String!', (value) => value.repo.fullName),
    url: field<RepoValue>('URI!', (value, _args, context) => `${context.webRoot}/${value.repo.fullName}`),
    isPrivate: field<RepoValue>('Boolean!', (value) => value.repo.settings.private),
    autoMergeAllowed: field<RepoValue>('Boolean!', (value) => value.repo.settings.allowAutoMerge),
    mergeCommitAllowed: field<RepoValue>('Boolean!', (value) => value.repo.settings.allowMergeCommit),
    squashMergeAllowed: field<RepoValue>('Boolean!', (value) => value.repo.settings.allowSquashMerge),
    rebaseMergeAllowed: field<RepoValue>('Boolean!', (value) => value.repo.settings.allowRebaseMerge),
    deleteBranchOnMerge: field<RepoValue>('Boolean!', (value) => value.repo.settings.deleteBranchOnMerge),
    owner: field<RepoValue>('RepositoryOwner!', (value) => actor(value.repo.owner)),
    defaultBranchRef: field<RepoValue>('Ref', (value, _args, context) => {
      const sha = context.world.branchHead(value.repo, value.repo.defaultBranch);
      return sha
        ? ({
            __typename: 'Ref',
            repo: value.repo,
            ref: `refs/heads/${value.repo.defaultBranch}`,
            sha,
          } satisfies RefValue)
        : null;
    }),
    ref: field<RepoValue>(
      'Ref',
      (value, args) => {
        const name = String(args.qualifiedName);
        const ref = name.startsWith('refs/') ? name : `refs/heads/${name}`;
        const sha = value.repo.refs.get(ref);
        return sha ? ({ __typename: 'Ref', repo: value.repo, ref, sha } satisfies RefValue) : null;
      },
      { qualifiedName: 'String!' },
    ),
    pullRequest: field<RepoValue>(
      'PullRequest',
      (value, args) => {
        const issue = value.repo.issues.get(Number(args.number));
        if (!issue?.pull)
          throw new FieldError(
            'NOT_FOUND',
            `Could not resolve to a PullRequest with the number of ${String(args.number)}.`,
          );
        return pullValue(value.repo, issue);
      },
      { number: 'Int!' },
    ),
    pullRequests: field<RepoValue>(
      'PullRequestConnection!',
      (value, args) => {
        const states = (args.states as string[] | undefined)?.map((state) => state.toLowerCase());
        const labels = (args.labels as string[] | undefined)?.map((label) => label.toLowerCase());
        const orderBy = args.orderBy as { field: string; direction: string } | undefined;
        const pulls = [...value.repo.issues.values()]
          .filter((issue) => {
            const pull = issue.pull;
            if (!pull) return false;
            const state = pull.merged ? 'merged' : issue.state;
            if (states && !states.includes(state)) return false;
            if (
              args.headRefName !== undefined &&
              args.headRefName !== null &&
              pull.headRef !== args.headRefName
            )
              return false;
            if (
              args.baseRefName !== undefined &&
              args.baseRefName !== null &&
              pull.baseRef !== args.baseRefName
            )
              return false;
            if (labels && !issue.labels.some((label) => labels.includes(label.toLowerCase()))) return false;
            return true;
          })
          .sort((a, b) => {
            const key = (issue: IssueRecord) =>
              (orderBy?.field === 'UPDATED_AT' ? issue.updatedAt : issue.createdAt) * 1e6 + issue.number;
            return (key(a) - key(b)) * (orderBy?.direction === 'DESC' ? -1 : 1);
          })
          .map((issue) => pullValue(value.repo, issue));
        return connection(pulls, args);
      },
      {
        states: '[PullRequestState!]',
        headRefName: 'String',
        baseRefName: 'String',
        labels: '[String!]',
        first: 'Int',
        last: 'Int',
        after: 'String',
        before: 'String',
        orderBy: 'IssueOrder',
      },
    ),
  },
  PullRequest: {
    id: field<PullValue>('ID!', (value) => value.issue.pull?.nodeId),
    number: field<PullValue>('Int!', (value) => value.issue.number),
    title: field<PullValue>('String!', (value) => value.issue.title),
    body: field<PullValue>('String!', (value) => value.issue.body ?? ''),
    url: field<PullValue>(
      'URI!',
      (value, _args, context) => `${context.webRoot}/${value.repo.fullName}/pull/${value.issue.number}`,
    ),
    state: field<PullValue>('PullRequestState!', (value) =>
      value.issue.pull?.merged ? 'MERGED' : value.issue.state.toUpperCase(),
    ),
    closed: field<PullValue>('Boolean!', (value) => value.issue.state === 'closed'),
    merged: field<PullValue>('Boolean!', (value) => value.issue.pull?.merged ?? false),
    mergedAt: field<PullValue>('DateTime', (value) =>
      value.issue.pull?.mergedAt ? isoSeconds(value.issue.pull.mergedAt) : null,
    ),
    closedAt: field<PullValue>('DateTime', (value) =>
      value.issue.closedAt ? isoSeconds(value.issue.closedAt) : null,
    ),
    createdAt: field<PullValue>('DateTime!', (value) => isoSeconds(value.issue.createdAt)),
    updatedAt: field<PullValue>('DateTime!', (value) => isoSeconds(value.issue.updatedAt)),
    isDraft: field<PullValue>('Boolean!', (value) => value.issue.pull?.draft ?? false),
    mergeable: field<PullValue>('MergeableState!', (value, _args, context) => {
      const mergeable = context.world.mergeability(value.repo, value.issue).mergeable;
      return mergeable === null ? 'UNKNOWN' : mergeable ? 'MERGEABLE' : 'CONFLICTING';
    }),
    mergeStateStatus: field<PullValue>('MergeStateStatus!', (value, _args, context) =>
      mergeStateStatus(context.world, value),
    ),
    headRefName: field<PullValue>('String!', (value) => value.issue.pull?.headRef),
    baseRefName: field<PullValue>('String!', (value) => value.issue.pull?.baseRef),
    headRefOid: field<PullValue>('GitObjectID!', (value, _args, context) =>
      context.world.pullHeadSha(value.repo, value.issue),
    ),
    baseRefOid: field<PullValue>('GitObjectID!', (value, _args, context) =>
      context.world.branchHead(value.repo, value.issue.pull?.baseRef ?? ''),
    ),
    author: field<PullValue>('Actor', (value) => actor(value.issue.user)),
    repository: field<PullValue>(
      'Repository!',
      (value) => ({ __typename: 'Repository', repo: value.repo }) satisfies RepoValue,
    ),
    autoMergeRequest: field<PullValue>('AutoMergeRequest', (value) => {
      const autoMerge = value.issue.pull?.autoMerge;
      return autoMerge ? { ...autoMerge, pullRequest: value } : null;
    }),
    labels: field<PullValue>(
      'LabelConnection',
      (value, args) =>
        connection(
          value.issue.labels.map((name) => {
            const label = value.repo.labels.get(name.toLowerCase());
            return {
              id: label?.nodeId,
              name,
              color: label?.color ?? 'ededed',
              description: label?.description ?? null,
            };
          }),
          args,
        ),
      { first: 'Int', last: 'Int', after: 'String', before: 'String' },
    ),
  },
  AutoMergeRequest: {
    enabledAt: field<{ enabledAt: number }>('DateTime', (value) => isoSeconds(value.enabledAt)),
    enabledBy: field<{ enabledBy: Account }>('Actor', (value) => actor(value.enabledBy)),
    mergeMethod: field<{ method: MergeMethod }>('PullRequestMergeMethod!', (value) =>
      value.method.toUpperCase(),
    ),
    commitHeadline: field<{ commitTitle?: string }>('String', (value) => value.commitTitle ?? null),
    commitBody: field<{ commitBody?: string }>('String', (value) => value.commitBody ?? null),
    authorEmail: field<{ enabledBy: Account }>('String', (value) => value.enabledBy.email),
    pullRequest: field<{ pullRequest: PullValue }>('PullRequest!', (value) => value.pullRequest),
  },
  Ref: {
    id: field<RefValue>(
      'ID!',
      (value) => `REF_${Buffer.from(`${value.repo.id}:${value.ref}`).toString('base64url')}`,
    ),
    name: field<RefValue>('String!', (value) => value.ref.replace(/^refs\/(heads|tags)\//, '')),
    prefix: field<RefValue>('String!', (value) =>
      value.ref.slice(0, value.ref.length - value.ref.replace(/^refs\/(heads|tags)\//, '').length),
    ),
    target: field<RefValue>(
      'GitObject',
      (value) => ({ __typename: 'Commit', repo: value.repo, sha: value.sha }) satisfies CommitValue,
    ),
  },
  Commit: {
    id: field<CommitValue>('ID!', (value) => `C_${value.sha}`),
    oid: field<CommitValue>('GitObjectID!', (value) => value.sha),
    abbreviatedOid: field<CommitValue>('String!', (value) => value.sha.slice(0, 7)),
    message: field<CommitValue>('String!', (value) => value.repo.store.commit(value.sha)?.message),
    messageHeadline: field<CommitValue>(
      'String!',
      (value) => value.repo.store.commit(value.sha)?.message.split('\n')[0],
    ),
    committedDate: field<CommitValue>(
      'DateTime!',
      (value) => value.repo.store.commit(value.sha)?.committer.date,
    ),
    authoredDate: field<CommitValue>('DateTime!', (value) => value.repo.store.commit(value.sha)?.author.date),
    tree: field<CommitValue>('Tree!', (value) => ({
      __typename: 'Tree',
      oid: value.repo.store.commit(value.sha)?.tree,
    })),
  },
  Tree: {
    oid: field<{ oid: string }>('GitObjectID!', (value) => value.oid),
    id: field<{ oid: string }>('ID!', (value) => `T_${value.oid}`),
  },
  User: actorFields(),
  Bot: actorFields(),
  Organization: actorFields(),
  Label: {
    id: field<{ id: string }>('ID!', (value) => value.id),
    name: field<{ name: string }>('String!', (value) => value.name),
    color: field<{ color: string }>('String!', (value) => value.color),
    description: field<{ description: string | null }>('String', (value) => value.description),
  },
  LabelConnection: connectionFields('Label'),
  PullRequestConnection: connectionFields('PullRequest'),
  PageInfo: {
    hasNextPage: field<{ hasNextPage: boolean }>('Boolean!', (value) => value.hasNextPage),
    hasPreviousPage: field<{ hasPreviousPage: boolean }>('Boolean!', (value) => value.hasPreviousPage),
    endCursor: field<{ endCursor: string | null }>('String', (value) => value.endCursor),
    startCursor: field<{ startCursor: string | null }>('String', (value) => value.startCursor),
  },
  RateLimit: Object.fromEntries(
    ['limit', 'cost', 'remaining', 'used', 'nodeCount', 'resetAt'].map((name) => [
      name,
      field<Record<string, unknown>>(name === 'resetAt' ? 'DateTime!' : 'Int!', (value) => value[name]),
    ]),
  ),
  EnablePullRequestAutoMergePayload: payloadFields(),
  DisablePullRequestAutoMergePayload: payloadFields(),
  MergePullRequestPayload: payloadFields(),
  CreateCommitOnBranchPayload: {
    clientMutationId: field<{ clientMutationId: unknown }>('String', (value) => value.clientMutationId),
    commit: field<{ commit: unknown }>('Commit', (value) => value.commit),
    ref: field<{ ref: unknown }>('Ref', (value) => value.ref),
  },
};

function actorFields(): Record<string, FieldDef> {
  return {
    id: field<ActorValue>('ID!', (value) => value.nodeId),
    login: field<ActorValue>('String!', (value) => value.login),
    url: field<ActorValue>('URI!', (value, _args, context) => `${context.webRoot}/${value.login}`),
    avatarUrl: field<ActorValue>(
      'URI!',
      (value, _args, context) => `${context.webRoot}/avatars/${value.login}`,
      { size: 'Int' },
    ),
    databaseId: field<ActorValue>('Int', (value) => value.id),
  };
}

function connectionFields(node: string): Record<string, FieldDef> {
  return {
    totalCount: field<{ totalCount: number }>('Int!', (value) => value.totalCount),
    nodes: field<{ nodes: unknown[] }>(`[${node}]`, (value) => value.nodes),
    pageInfo: field<{ pageInfo: unknown }>('PageInfo!', (value) => value.pageInfo),
  };
}

function payloadFields(): Record<string, FieldDef> {
  return {
    clientMutationId: field<{ clientMutationId: unknown }>('String', (value) => value.clientMutationId),
    pullRequest: field<{ pullRequest: unknown }>('PullRequest', (value) => value.pullRequest),
    actor: field<{ actor: unknown }>('Actor', (value) => value.actor),
  };
}

/** Interfaces: the fields they declare and the object types that implement them. */
export const INTERFACES: Record<string, { fields: readonly string[]; possible: readonly string[] }> = {
  Node: {
    fields: ['id'],
    possible: ['PullRequest', 'Repository', 'User', 'Bot', 'Organization', 'Commit', 'Ref', 'Label', 'Tree'],
  },
  Actor: { fields: ['login', 'url', 'avatarUrl'], possible: ['User', 'Bot', 'Organization'] },
  RepositoryOwner: { fields: ['id', 'login', 'url', 'avatarUrl'], possible: ['User', 'Organization'] },
  GitObject: { fields: ['id', 'oid', 'abbreviatedOid'], possible: ['Commit', 'Tree'] },
};

export const ENUMS: Record<string, readonly string[]> = {
  PullRequestState: ['OPEN', 'CLOSED', 'MERGED'],
  PullRequestMergeMethod: ['MERGE', 'SQUASH', 'REBASE'],
  MergeableState: ['MERGEABLE', 'CONFLICTING', 'UNKNOWN'],
  MergeStateStatus: ['BEHIND', 'BLOCKED', 'CLEAN', 'DIRTY', 'DRAFT', 'HAS_HOOKS', 'UNKNOWN', 'UNSTABLE'],
  IssueOrderField: ['CREATED_AT', 'UPDATED_AT', 'COMMENTS'],
  OrderDirection: ['ASC', 'DESC'],
};

/** GitHub declares the same fields for merging now and for merging once checks pass. */
const MERGE_INPUT: Record<string, string> = {
  pullRequestId: 'ID!',
  mergeMethod: 'PullRequestMergeMethod',
  commitHeadline: 'String',
  commitBody: 'String',
  authorEmail: 'String',
  expectedHeadOid: 'GitObjectID',
  clientMutationId: 'String',
};

export const INPUTS: Record<string, Record<string, string>> = {
  EnablePullRequestAutoMergeInput: MERGE_INPUT,
  DisablePullRequestAutoMergeInput: { pullRequestId: 'ID!', clientMutationId: 'String' },
  MergePullRequestInput: MERGE_INPUT,
  IssueOrder: { field: 'IssueOrderField!', direction: 'OrderDirection!' },
  CreateCommitOnBranchInput: {
    branch: 'CommittableBranch!',
    expectedHeadOid: 'GitObjectID!',
    message: 'CommitMessage!',
    fileChanges: 'FileChanges',
    clientMutationId: 'String',
  },
  CommittableBranch: { id: 'ID', repositoryNameWithOwner: 'String', branchName: 'String' },
  CommitMessage: { headline: 'String!', body: 'String' },
  FileChanges: { additions: '[FileAddition!]', deletions: '[FileDeletion!]' },
  FileAddition: { path: 'String!', contents: 'Base64String!' },
  FileDeletion: { path: 'String!' },
};

export const SCALARS = new Set([
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'DateTime',
  'URI',
  'GitObjectID',
  'HTML',
  'Base64String',
]);
