/**
 * Where the stack can be deployed, and where Lambda function URLs (the webhook's default front
 * door) do not exist. The lists are checked against cfn-lint's per-region resource schemas in
 * test/aws/cfn-lint.test.ts; a region AWS adds must be added here to be linted.
 */

/** Commercial regions the stack is linted for (docs/aws.md: supported regions). */
export const SUPPORTED_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;

/**
 * Regions of the `aws` partition without `AWS::Lambda::Url` (cfn-lint E3006): a webhook there
 * needs the HTTP API front door.
 */
export const REGIONS_WITHOUT_FUNCTION_URLS = [
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'mx-central-1',
] as const;

/** Partitions in which function URLs are not (or not everywhere) available. */
export const PARTITIONS_WITHOUT_FUNCTION_URLS = ['aws-cn', 'aws-us-gov'] as const;

const PARTITION_OF: readonly (readonly [RegExp, string])[] = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^us-iso-/, 'aws-iso'],
  [/^us-isob-/, 'aws-iso-b'],
];

function partitionOf(region: string): string {
  return PARTITION_OF.find(([pattern]) => pattern.test(region))?.[1] ?? 'aws';
}

/** Whether a known (synth-time) region lacks function URLs. */
export function lacksFunctionUrls(region: string): boolean {
  return (
    (REGIONS_WITHOUT_FUNCTION_URLS as readonly string[]).includes(region) ||
    (PARTITIONS_WITHOUT_FUNCTION_URLS as readonly string[]).includes(partitionOf(region))
  );
}
