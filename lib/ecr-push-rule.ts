/**
 * Which ECR pushes the updater acts on, and the EventBridge rule that sends them to the work
 * queue. The same accounts, regions and prefixes scope the functions' `ecr:DescribeImages`
 * (`WatchedEcr.repositoryArns`), so what is watched and what may be read cannot drift apart.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { InvalidPropsError } from './errors.ts';
import type { WorkQueue } from './work-queue.ts';

/** The ECR pushes acted on (`ImageUpdaterProps.ecrAccounts`, `ecrRegions`, `ecrRepositoryPrefixes`). */
export interface WatchedEcrProps {
  /** @default - the stack's account */
  readonly accounts?: readonly string[] | undefined;
  /** @default - the stack's region */
  readonly regions?: readonly string[] | undefined;
  /** @default - every repository (`['']`) */
  readonly repositoryPrefixes?: readonly string[] | undefined;
}

export class WatchedEcr {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly prefixes: readonly string[];
  /** `repository/<prefix>*` in every account and region: what the functions may describe. */
  readonly repositoryArns: readonly string[];

  constructor(stack: Stack, props: WatchedEcrProps) {
    this.prefixes = validatePrefixes(props.repositoryPrefixes ?? ['']);
    this.accounts = validateAccounts(props.accounts ?? [stack.account]);
    this.regions = props.regions ?? [stack.region];
    this.repositoryArns = this.accounts.flatMap((account) =>
      this.regions.flatMap((region) =>
        this.prefixes.map((prefix) =>
          stack.formatArn({
            service: 'ecr',
            account,
            region,
            resource: 'repository',
            resourceName: `${prefix}*`,
          }),
        ),
      ),
    );
  }
}

export interface EcrPushRuleProps {
  readonly watched: WatchedEcr;
  readonly queue: WorkQueue;
  /** @default - the account's default event bus */
  readonly eventBus?: events.IEventBus | undefined;
}

/**
 * `EcrPushRule` on the bus, and for each other account a bus policy (`ForwardFrom<i>`) that lets
 * it put its forwarded events; all in `scope` (the `ImageUpdater`), whose logical ids they keep.
 */
export class EcrPushRule {
  readonly rule: events.Rule;

  constructor(scope: Construct, props: EcrPushRuleProps) {
    const stack = Stack.of(scope);
    const { accounts, regions, prefixes } = props.watched;
    const eventBus = props.eventBus ?? events.EventBus.fromEventBusName(scope, 'DefaultBus', 'default');
    this.rule = new events.Rule(scope, 'EcrPushRule', {
      description: 'ECR pushes (success, watched repositories) → image-updater queue',
      eventBus,
      eventPattern: {
        source: ['aws.ecr'],
        detailType: ['ECR Image Action'],
        account: [...accounts],
        region: [...regions],
        detail: {
          'action-type': ['PUSH'],
          result: ['SUCCESS'],
          ...(prefixes.some((p) => p === '')
            ? {}
            : { 'repository-name': prefixes.map((prefix) => ({ prefix })) }),
        },
      },
    });
    // Events EventBridge cannot deliver (after its own retries for 24 hours) land in the same
    // DLQ, with the same body, so one redrive replays both kinds.
    this.rule.addTarget(
      new targets.SqsQueue(props.queue.queue, { deadLetterQueue: props.queue.deadLetterQueue }),
    );
    // Unique per updater, so two updaters in one account can share a bus.
    const sid = (account: string) => `image-updater-${account}-${scope.node.addr.slice(0, 8)}`;
    accounts.forEach((account, i) => {
      if (Token.isUnresolved(account) || account === stack.account) return;
      new events.CfnEventBusPolicy(scope, `ForwardFrom${i}`, {
        eventBusName: eventBus.eventBusName,
        statementId: sid(account),
        statement: {
          Sid: sid(account),
          Effect: 'Allow',
          Principal: { AWS: `arn:${stack.partition}:iam::${account}:root` },
          Action: 'events:PutEvents',
          Resource: eventBus.eventBusArn,
        },
      });
    });
  }
}

function validatePrefixes(prefixes: readonly string[]): string[] {
  if (prefixes.length === 0)
    throw new InvalidPropsError('ecrRepositoryPrefixes is empty; leave it out to watch every repository');
  for (const p of prefixes) {
    if (!/^[a-z0-9._/-]*$/.test(p))
      throw new InvalidPropsError(
        `ecrRepositoryPrefixes: "${p}" cannot start an ECR repository name (lowercase letters, digits, . _ - /)`,
      );
  }
  return [...prefixes];
}

function validateAccounts(accounts: readonly string[]): string[] {
  for (const a of accounts) {
    if (!Token.isUnresolved(a) && !/^\d{12}$/.test(a))
      throw new InvalidPropsError(`ecrAccounts: "${a}" is not a 12-digit AWS account id`);
  }
  return [...accounts];
}
