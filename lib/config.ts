/**
 * The deployment settings hiroba reads from CDK context (`cdk.json`, or `-c key=value` on the command
 * line), validated once before any construct is created.
 *
 * The defaults make a cheap development stack (Aurora pauses at 0 ACU, nothing is deletion-protected);
 * `production` beside each setting is the value we recommend for a production stack.
 */

import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { defaultMaxUploadBytes } from '../functions/shared/media.ts';

/** Powertools log levels that Lambda's advanced logging controls also understand. */
export const logLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** One of {@link logLevels}. */
export type LogLevel = (typeof logLevels)[number];

/** What happens to the Aurora cluster when it leaves the stack (`cdk destroy`, or a replacement). */
export const databaseRemovalPolicies = ['snapshot', 'retain', 'destroy'] as const;
/** One of {@link databaseRemovalPolicies}. */
export type DatabaseRemovalPolicy = (typeof databaseRemovalPolicies)[number];

/** Everything the stack reads from context, after validation. */
export interface HirobaConfig {
  /** Aurora Serverless v2 minimum capacity in ACU; 0 lets the cluster pause when idle. */
  readonly minCapacity: number;
  /** Aurora Serverless v2 maximum capacity in ACU. */
  readonly maxCapacity: number;
  /** Protects the Aurora cluster, the DynamoDB table and the user pool from deletion. */
  readonly deletionProtection: boolean;
  /** Days of automated Aurora backups. */
  readonly backupRetentionDays: number;
  /** Whether deleting the cluster keeps a final snapshot, keeps the cluster, or deletes everything. */
  readonly databaseRemovalPolicy: DatabaseRemovalPolicy;
  /** Address that receives alarm notifications; none when undefined. */
  readonly alarmEmail: string | undefined;
  /** Days every log group keeps its events. */
  readonly logRetentionDays: RetentionDays;
  /** Log level of the functions (Powertools and Lambda's application log level). */
  readonly logLevel: LogLevel;
  /** Steady-state requests per second the HTTP API stage allows. */
  readonly httpThrottleRateLimit: number;
  /** Burst of requests the HTTP API stage allows. */
  readonly httpThrottleBurstLimit: number;
  /** Steady-state messages per second the WebSocket API stage allows. */
  readonly webSocketThrottleRateLimit: number;
  /** Burst of messages the WebSocket API stage allows. */
  readonly webSocketThrottleBurstLimit: number;
  /** Concurrent executions reserved for the fan-out function; 0 reserves none. */
  readonly fanOutReservedConcurrency: number;
  /** Seconds a connection record lives before TTL removes it. */
  readonly connectionTtlSeconds: number;
  /** Custom domain of the distribution, e.g. `chat.example.com`; the CloudFront domain when undefined. */
  readonly domainName: string | undefined;
  /** ACM certificate (in us-east-1) for `domainName`. */
  readonly certificateArn: string | undefined;
  /** Whether people may create their own accounts on the sign-in page. */
  readonly selfSignUp: boolean;
  /** Cognito's Plus feature plan with threat protection enforced (billed per monthly active user). */
  readonly threatProtection: boolean;
  /** Largest image upload in bytes. */
  readonly maxUploadBytes: number;
}

/** How one context key is documented, defaulted and parsed. */
export interface ContextSetting<T> {
  readonly description: string;
  readonly default: T;
  /** What we recommend for a production stack, when it differs from the default. */
  readonly production?: T;
  /** Turns a raw context value (a JSON value from cdk.json, or a string from `-c`) into `T`, or throws. */
  readonly parse: (raw: unknown) => T;
}

type Settings = { readonly [K in keyof HirobaConfig]: ContextSetting<HirobaConfig[K]> };

function describe(raw: unknown): string {
  return typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
}

function toNumber(raw: unknown): number {
  // `-c key=value` always yields a string, cdk.json yields JSON numbers: accept both.
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`expected a number, got ${describe(raw)}`);
  }
  return value;
}

function numberIn(min: number, max: number, step: number): (raw: unknown) => number {
  return (raw) => {
    const value = toNumber(raw);
    if (value < min || value > max || !Number.isInteger(value / step)) {
      const steps = step === 1 ? 'a whole number' : `a multiple of ${step}`;
      throw new Error(`expected ${steps} from ${min} to ${max}, got ${describe(raw)}`);
    }
    return value;
  };
}

function parseBoolean(raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`expected true or false, got ${describe(raw)}`);
}

function optionalString(pattern: RegExp, what: string): (raw: unknown) => string | undefined {
  return (raw) => {
    if (raw === '' || raw === null) return undefined;
    if (typeof raw !== 'string' || !pattern.test(raw))
      throw new Error(`expected ${what}, got ${describe(raw)}`);
    return raw;
  };
}

const retentionDays = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

/** Every context key hiroba reads, with its default, its production recommendation and its parser. */
export const contextSettings: Settings = {
  minCapacity: {
    description:
      'Aurora Serverless v2 minimum ACU; 0 pauses the cluster when idle (first request waits ~15 s)',
    default: 0,
    production: 0.5,
    parse: numberIn(0, 256, 0.5),
  },
  maxCapacity: {
    description: 'Aurora Serverless v2 maximum ACU (at least 1, and at least minCapacity)',
    default: 2,
    production: 16,
    parse: numberIn(1, 256, 0.5),
  },
  deletionProtection: {
    description: 'Deletion protection on the Aurora cluster, the connections table and the user pool',
    default: false,
    production: true,
    parse: parseBoolean,
  },
  backupRetentionDays: {
    description: 'Days of automated Aurora backups (1-35)',
    default: 7,
    production: 30,
    parse: numberIn(1, 35, 1),
  },
  databaseRemovalPolicy: {
    description: `What deleting the Aurora cluster leaves behind (${databaseRemovalPolicies.join(', ')})`,
    default: 'snapshot',
    production: 'retain',
    parse: (raw) => {
      const match = databaseRemovalPolicies.find((policy) => policy === raw);
      if (match === undefined) {
        throw new Error(`expected one of ${databaseRemovalPolicies.join(', ')}, got ${describe(raw)}`);
      }
      return match;
    },
  },
  alarmEmail: {
    description: 'E-mail address subscribed to the alarm topic (confirm the subscription e-mail)',
    default: undefined,
    parse: optionalString(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an e-mail address'),
  },
  logRetentionDays: {
    description: `Days every log group keeps its events (one of ${retentionDays.join(', ')})`,
    default: RetentionDays.ONE_MONTH,
    production: RetentionDays.THREE_MONTHS,
    parse: (raw) => {
      const value = toNumber(raw);
      const match = retentionDays.find((days) => days === value);
      if (match === undefined)
        throw new Error(`expected one of ${retentionDays.join(', ')}, got ${describe(raw)}`);
      return match;
    },
  },
  logLevel: {
    description: `Function log level (${logLevels.join(', ')})`,
    default: 'INFO',
    parse: (raw) => {
      const match = logLevels.find((level) => level === raw);
      if (match === undefined)
        throw new Error(`expected one of ${logLevels.join(', ')}, got ${describe(raw)}`);
      return match;
    },
  },
  httpThrottleRateLimit: {
    description: 'HTTP API stage throttling: steady requests per second',
    default: 50,
    production: 500,
    parse: numberIn(1, 10_000, 1),
  },
  httpThrottleBurstLimit: {
    description: 'HTTP API stage throttling: burst of requests',
    default: 100,
    production: 1000,
    parse: numberIn(1, 5000, 1),
  },
  webSocketThrottleRateLimit: {
    description: 'WebSocket API stage throttling: steady messages per second',
    default: 50,
    production: 500,
    parse: numberIn(1, 10_000, 1),
  },
  webSocketThrottleBurstLimit: {
    description: 'WebSocket API stage throttling: burst of messages',
    default: 100,
    production: 1000,
    parse: numberIn(1, 5000, 1),
  },
  fanOutReservedConcurrency: {
    description:
      "Concurrent executions reserved for the fan-out function, so route floods cannot starve delivery (also its ceiling); 0 reserves none. Lambda refuses a reservation that leaves the account under 100 unreserved: set 0 where the account's concurrency quota is below 200",
    default: 100,
    production: 100,
    parse: numberIn(0, 10_000, 1),
  },
  connectionTtlSeconds: {
    description: "Seconds before a connection record expires (API Gateway's 2 h connection limit at most)",
    default: 7200,
    parse: numberIn(60, 7200, 1),
  },
  domainName: {
    description: 'Custom domain of the distribution (with certificateArn); the CloudFront domain otherwise',
    default: undefined,
    parse: optionalString(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'a lower-case domain name',
    ),
  },
  certificateArn: {
    description: 'ACM certificate ARN for domainName; CloudFront requires it in us-east-1',
    default: undefined,
    parse: optionalString(
      /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/,
      'an ACM certificate ARN in us-east-1',
    ),
  },
  selfSignUp: {
    description:
      'Whether people may create their own accounts on the sign-in page (else an admin creates them)',
    default: true,
    parse: parseBoolean,
  },
  threatProtection: {
    description:
      "Cognito's Plus feature plan with threat protection enforced (compromised credentials, risky sign-ins); billed per monthly active user",
    default: false,
    production: true,
    parse: parseBoolean,
  },
  maxUploadBytes: {
    description: 'Largest image upload in bytes (1024 to 52428800); the default is 10 MiB',
    default: defaultMaxUploadBytes,
    parse: numberIn(1024, 50 * 1024 * 1024, 1),
  },
};

/** The context keys hiroba reads. */
export const contextKeys = Object.keys(contextSettings) as (keyof HirobaConfig)[];

/** The configuration every default gives: a cheap development stack. */
export const defaultConfig: HirobaConfig = Object.fromEntries(
  contextKeys.map((key) => [key, contextSettings[key].default]),
) as unknown as HirobaConfig;

/**
 * Reads every hiroba context key from `node` and validates it.
 *
 * @throws Error listing every invalid value, so one synth run reports all of them.
 */
export function readConfig(node: Node): HirobaConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const key of contextKeys) {
    const raw: unknown = node.tryGetContext(key);
    try {
      values[key] = raw === undefined ? contextSettings[key].default : contextSettings[key].parse(raw);
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  const config = values as unknown as HirobaConfig;
  if (problems.length === 0) {
    if (config.maxCapacity < config.minCapacity) {
      problems.push(
        `maxCapacity: must be at least minCapacity (${config.minCapacity}), got ${config.maxCapacity}`,
      );
    }
    if ((config.domainName === undefined) !== (config.certificateArn === undefined)) {
      problems.push('domainName and certificateArn: set both or neither');
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid CDK context for hiroba:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
