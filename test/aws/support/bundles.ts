/**
 * The function bundles exactly as `cdk synth` builds them (local esbuild), with the template
 * that configures them: the AWS tiers run these files, not the TypeScript sources.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ImageUpdaterStack, type ImageUpdaterStackProps } from '../../../lib/image-updater-stack.ts';

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, string>;
}

export interface Synthesised {
  readonly template: { Resources: Record<string, CfnResource> };
  /** The bundle's entry file of the function whose logical id starts with `ImageUpdater<name>`. */
  bundle(name: 'Worker' | 'Reconcile' | 'Webhook'): {
    file: string;
    exportName: string;
    resource: CfnResource;
  };
  remove(): void;
}

export function synthesiseWithBundles(props: Partial<ImageUpdaterStackProps> = {}): Synthesised {
  const outdir = mkdtempSync(join(tmpdir(), 'iu-aws-'));
  // The CLI turns asset metadata on; it names each function's bundle directory.
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:enable-asset-metadata': true },
  });
  const stack = new ImageUpdaterStack(app, 'ImageUpdater', {
    repositories: [{ repo: 'acme/gitops' }],
    webhookAllowedImages: ['*'],
    ...props,
  });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as Synthesised['template'];
  return {
    template,
    bundle(name) {
      const entry = Object.entries(template.Resources).find(
        ([id, r]) =>
          r.Type === 'AWS::Lambda::Function' && new RegExp(`^ImageUpdater${name}[0-9A-F]{8}$`).test(id),
      );
      if (!entry) throw new Error(`no ${name} function in the template`);
      const [, resource] = entry;
      const asset = resource.Metadata?.['aws:asset:path'];
      const [module, exportName] = String(resource.Properties.Handler).split('.') as [string, string];
      const file = ['.mjs', '.js'].map((ext) => join(outdir, asset ?? '', module + ext)).find(existsSync);
      if (!file) throw new Error(`no bundle for ${name} in ${asset}`);
      return { file, exportName, resource };
    },
    remove: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
