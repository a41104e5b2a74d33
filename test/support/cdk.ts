/** Synthesised templates of the image-updater stack, without bundling (fast; bundling has its own test). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImageUpdater, type ImageUpdaterProps } from '../../lib/image-updater.ts';
import { ImageUpdaterStack, type ImageUpdaterStackProps } from '../../lib/image-updater-stack.ts';

export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

const outdirs: string[] = [];

/** Removes the cloud assemblies the tests of this file wrote (call in `afterAll`). */
export function removeTestOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An app whose built-in CloudFormation validation (slow, warnings only) is off. */
export function testApp(options: { nag?: boolean } = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'iu-cdk-'));
  outdirs.push(outdir);
  const app = new App({ context: NO_BUNDLING, builtinCloudFormationValidation: false, outdir });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}

export function stackTemplate(props: Partial<ImageUpdaterStackProps> = {}): Template {
  const app = testApp();
  const stack = new ImageUpdaterStack(app, 'ImageUpdater', {
    repositories: [{ repo: 'acme/gitops' }],
    ...props,
  });
  return Template.fromStack(stack);
}

export function constructTemplate(
  props: Partial<ImageUpdaterProps> & { env?: { account: string; region: string } } = {},
): { template: Template; updater: ImageUpdater } {
  const app = testApp();
  const { env, ...rest } = props;
  const stack = new Stack(app, 'Test', env ? { env } : {});
  const updater = new ImageUpdater(stack, 'Updater', { repositories: [{ repo: 'acme/gitops' }], ...rest });
  return { template: Template.fromStack(stack), updater };
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

/** Every statement of every IAM policy of the template. */
export function iamStatements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
