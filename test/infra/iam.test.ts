import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fanOutFunction, httpDefaultRoute } from '../../lib/api-routes.ts';
import { projectRoot } from '../../lib/constructs/function.ts';
import {
  type DeployedFunction,
  logicalIdsOfType,
  onlyResource,
  ourFunctions,
  type PolicyStatement,
  referencedId,
  roleStatements,
  templateJson,
} from './support/assembly.ts';

function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function statementsWithAction(fn: DeployedFunction, prefix: string): PolicyStatement[] {
  return roleStatements(fn).filter((statement) =>
    actionsOf(statement).some((action) => action.startsWith(prefix)),
  );
}

const clusterId = () => onlyResource('AWS::RDS::DBCluster')[0];
const tableId = () => onlyResource('AWS::DynamoDB::GlobalTable')[0];

describe('least-privilege IAM per function', () => {
  it('grants rds-data and the secret only to functions with database access', () => {
    for (const fn of ourFunctions()) {
      const hasDatabase = fn.spec.access.includes('database');
      expect(statementsWithAction(fn, 'rds-data:').length > 0, fn.spec.id).toBe(hasDatabase);
      expect(statementsWithAction(fn, 'secretsmanager:').length > 0, fn.spec.id).toBe(hasDatabase);
    }
  });

  it('scopes Data API statements to this cluster and reading its secret', () => {
    const secretAttachment = onlyResource('AWS::SecretsManager::SecretTargetAttachment')[0];
    for (const fn of ourFunctions().filter((candidate) => candidate.spec.access.includes('database'))) {
      for (const statement of statementsWithAction(fn, 'rds-data:')) {
        expect(JSON.stringify(statement.Resource), fn.spec.id).toContain(`"Ref":"${clusterId()}"`);
      }
      const [secret] = statementsWithAction(fn, 'secretsmanager:');
      expect(secret?.Resource, fn.spec.id).toEqual({ Ref: secretAttachment });
      expect(actionsOf(secret as PolicyStatement).sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
    }
  });

  it('grants the connections table only to functions with connections access, on that table only', () => {
    for (const fn of ourFunctions()) {
      const statements = statementsWithAction(fn, 'dynamodb:');
      expect(statements.length > 0, fn.spec.id).toBe(fn.spec.access.includes('connections'));
      for (const statement of statements) {
        for (const resource of [statement.Resource].flat()) {
          expect(JSON.stringify(resource), fn.spec.id).toContain(`"${tableId()}","Arn"`);
        }
      }
    }
  });

  it('grants only the DynamoDB actions the adapters call: no Scan, UpdateItem, BatchGetItem or streams', () => {
    for (const fn of ourFunctions().filter((candidate) => candidate.spec.access.includes('connections'))) {
      const actions = statementsWithAction(fn, 'dynamodb:').flatMap(actionsOf);
      expect(actions.sort(), fn.spec.id).toEqual([
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
    }
  });

  it('grants every DynamoDB action the adapters call', () => {
    const adapters = join(projectRoot, 'functions', 'adapters');
    const called = new Set<string>();
    for (const name of readdirSync(adapters).filter((file) => file.endsWith('.ts'))) {
      const source = readFileSync(join(adapters, name), 'utf8');
      if (!source.includes('@aws-sdk/lib-dynamodb') && !source.includes('@aws-sdk/client-dynamodb')) continue;
      for (const [, command, paginated] of source.matchAll(/\b(?:new (\w+)Command|paginate(\w+))\(/g)) {
        called.add(command ?? paginated ?? '');
      }
    }
    // The document client's commands and the IAM action each one needs; a new call must be added here.
    const actionOf: Record<string, string> = {
      Get: 'dynamodb:GetItem',
      Put: 'dynamodb:PutItem',
      Delete: 'dynamodb:DeleteItem',
      Query: 'dynamodb:Query',
      BatchWrite: 'dynamodb:BatchWriteItem',
    };
    expect(called.size).toBeGreaterThan(0);
    const fn = ourFunctions().find((candidate) => candidate.spec.access.includes('connections'));
    if (!fn) throw new Error('No function with connections access');
    const granted = statementsWithAction(fn, 'dynamodb:').flatMap(actionsOf);
    for (const call of called) {
      expect(actionOf[call], `the IAM action of the adapters' ${call} call`).toBeDefined();
      expect(granted, call).toContain(actionOf[call]);
    }
  });

  it("grants ManageConnections on the ws stage's @connections only to functions that push frames", () => {
    const apiId = logicalIdsOfType('AWS::ApiGatewayV2::Api').find(
      (id) => templateJson().Resources[id]?.Properties?.ProtocolType === 'WEBSOCKET',
    );
    for (const fn of ourFunctions()) {
      const pushes = fn.spec.access.includes('manageConnections');
      expect(statementsWithAction(fn, 'execute-api:').length > 0, fn.spec.id).toBe(pushes);
      if (!pushes) continue;
      const [statement, ...others] = statementsWithAction(fn, 'execute-api:');
      expect(others, fn.spec.id).toEqual([]);
      expect(statement?.Action).toBe('execute-api:ManageConnections');
      const resources = [statement?.Resource].flat().map((resource) => JSON.stringify(resource));
      const methods = resources.map((resource) => {
        expect(resource, fn.spec.id).toContain(`{"Ref":"${apiId}"}`);
        return /"\/ws\/([A-Z]+)\/@connections\/\*"/.exec(resource)?.[1];
      });
      expect(methods.sort(), fn.spec.id).toEqual(['DELETE', 'POST']);
    }
  });

  it('grants the @connections method of every management API call in the adapters', () => {
    const adapters = join(projectRoot, 'functions', 'adapters');
    const methodOf: Record<string, string> = {
      PostToConnection: 'POST',
      DeleteConnection: 'DELETE',
      GetConnection: 'GET',
    };
    const called = new Set<string>();
    for (const name of readdirSync(adapters).filter((file) => file.endsWith('.ts'))) {
      const source = readFileSync(join(adapters, name), 'utf8');
      if (!source.includes('@aws-sdk/client-apigatewaymanagementapi')) continue;
      for (const [, command] of source.matchAll(/\bnew (\w+)Command\(/g)) called.add(command ?? '');
    }
    expect(called.size).toBeGreaterThan(0);
    const fn = ourFunctions().find((candidate) => candidate.spec.access.includes('manageConnections'));
    const granted = JSON.stringify(fn && statementsWithAction(fn, 'execute-api:'));
    for (const call of called) {
      expect(methodOf[call], `the @connections method of the adapters' ${call} call`).toBeDefined();
      expect(granted, call).toContain(`/ws/${methodOf[call]}/@connections/*`);
    }
  });

  it('lets only functions with fanOut access invoke the fan-out function, and nothing else', () => {
    const target = ourFunctions().find((fn) => fn.spec.id === fanOutFunction.id);
    const invokers = ourFunctions().filter((fn) => fn.spec.access.includes('fanOut'));
    expect(invokers.length).toBeGreaterThan(0);
    for (const fn of ourFunctions()) {
      const statements = statementsWithAction(fn, 'lambda:');
      if (!fn.spec.access.includes('fanOut')) {
        expect(statements, fn.spec.id).toEqual([]);
        continue;
      }
      expect(statements, fn.spec.id).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::GetAtt': [target?.logicalId, 'Arn'] },
        },
      ]);
    }
  });

  it('gives the not-found function nothing but its logs and tracing', () => {
    const notFound = ourFunctions().find((fn) => fn.spec.id === httpDefaultRoute.function.id);
    expect(notFound).toBeDefined();
    const actions = roleStatements(notFound as DeployedFunction).flatMap(actionsOf);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => !/^(logs|xray):/.test(action))).toEqual([]);
  });

  it('lets each function write only to its own log group', () => {
    for (const fn of ourFunctions()) {
      const logGroup = referencedId((fn.properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
      const statements = statementsWithAction(fn, 'logs:');
      expect(statements.length, fn.spec.id).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(referencedId(statement.Resource), fn.spec.id).toBe(logGroup);
        expect(actionsOf(statement).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      }
    }
  });

  it('uses a "*" resource only for X-Ray, which has no resource-level permissions', () => {
    for (const fn of ourFunctions()) {
      const wildcards = roleStatements(fn).filter((candidate) => [candidate.Resource].flat().includes('*'));
      for (const statement of wildcards) {
        expect(
          actionsOf(statement).every((action) => action.startsWith('xray:')),
          fn.spec.id,
        ).toBe(true);
      }
    }
  });
});
