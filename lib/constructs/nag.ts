import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Spells a (possibly tokenized) value the way cdk-nag names it in a finding id: references become
 * `<LogicalId>`, attributes `<LogicalId.Attr>`, pseudo parameters `<AWS::Region>`, joins are flattened.
 */
function nagSpelling(scope: IConstruct, value: string): string {
  const flatten = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (typeof node === 'object' && node !== null) {
      if ('Fn::Join' in node) {
        const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
        return parts.map(flatten).join(delimiter);
      }
      if ('Fn::Sub' in node) return flatten(node['Fn::Sub']);
      if ('Fn::GetAtt' in node) {
        const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
        return `<${flatten(resource)}.${flatten(attribute)}>`;
      }
      if ('Fn::ImportValue' in node) return flatten(node['Fn::ImportValue']);
      if ('Ref' in node) return `<${flatten(node.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return flatten(Stack.of(scope).resolve(value));
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource in the policies under
 * `scope`, and only that resource: other wildcards there still fail the check.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagSpelling(scope, resource)}]`,
    reason,
  });
}
