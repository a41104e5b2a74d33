/**
 * One of the updater's functions (worker, reconcile, webhook): Node.js 22 on arm64, built by
 * lib/function-bundling.ts, with its own log group and a role that may write to that log group
 * only. What else a function may do, its part grants it.
 */
import { Validations, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type * as z from 'zod';
import { functionCode } from './function-bundling.ts';
import { defined } from '../lambdas/objects.ts';

/**
 * The variables a function's schema reads, each a string: a variable the schema does not know
 * (a typo) fails the type check instead of the cold start.
 */
export type EnvironmentOf<Schema extends z.ZodType> = { [K in keyof z.input<Schema>]: string };

/** What every function shares; from the `ImageUpdater` props. */
export interface FunctionSettings {
  /** CloudWatch namespace of the function's metrics (Powertools `POWERTOOLS_METRICS_NAMESPACE`). */
  readonly metricsNamespace: string;
  /** Powertools `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel: string;
  readonly logRetention: logs.RetentionDays;
  /** @default - the log group's own default (retain) */
  readonly logRemovalPolicy?: RemovalPolicy | undefined;
}

export interface UpdaterFunctionOptions {
  /** The entry module in lambdas/handlers, e.g. `worker-main.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** The variables the function's own schema parses; the Powertools ones are added. */
  readonly environment: Readonly<Record<string, string>>;
  readonly settings: FunctionSettings;
  /** @default - Lambda's default for asynchronous invocations (2) */
  readonly retryAttempts?: number;
  /** @default - none */
  readonly reservedConcurrentExecutions?: number;
}

/** `<id>` (the function), `<id>Logs` and `<id>Role`, in `scope`. */
export function updaterFunction(
  scope: Construct,
  id: string,
  options: UpdaterFunctionOptions,
): NodejsFunction {
  const { settings } = options;
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: settings.logRetention,
    ...(settings.logRemovalPolicy ? { removalPolicy: settings.logRemovalPolicy } : {}),
  });
  // Its own role instead of the AWSLambdaBasicExecutionRole managed policy: writes to its own
  // log group only.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `image-updater ${id.toLowerCase()} function`,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new NodejsFunction(scope, id, {
    // Built with code splitting (lib/function-bundling.ts); NodejsFunction's bundling can't split.
    ...functionCode(options.entry),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    description: options.description,
    timeout: options.timeout,
    memorySize: options.memorySize,
    environment: {
      ...options.environment,
      POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
    },
    role,
    logGroup,
    ...defined({
      retryAttempts: options.retryAttempts,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    }),
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is the runtime the product is built and tested for (SPEC §8); it is an LTS release supported by Lambda.',
  });
  return fn;
}
