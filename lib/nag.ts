/**
 * cdk-nag 3 acknowledges a finding by its exact id, `Rule[Resource::<flattened ARN>]`, where the
 * ARN's CloudFormation intrinsics are flattened the way cdk-nag does (`{"Ref": "AWS::Region"}` →
 * `<AWS::Region>`). This computes that id for a resource string the construct built itself.
 */
import type { Stack } from 'aws-cdk-lib';

export function nagResourceFinding(stack: Stack, resource: string): string {
  return `Resource::${flatten(stack.resolve(resource))}`;
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
  if (o.Ref) return `<${flatten(o.Ref)}>`;
  return JSON.stringify(node);
}
