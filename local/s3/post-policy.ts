import { accessDenied, entityTooLarge, S3Error } from './errors.ts';

/** One condition of a POST policy, normalised from its object or array form. */
export type PolicyCondition =
  | { kind: 'eq' | 'starts-with'; field: string; value: string; text: string }
  | { kind: 'content-length-range'; min: number; max: number; text: string };

/** A decoded POST policy document. */
export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

/** Form fields that need no condition: the signature, the file, the policy itself. */
const EXEMPT_FIELDS = new Set(['x-amz-signature', 'file', 'policy']);

/** Decodes a base64 POST policy; a document S3 could not read is `InvalidPolicyDocument`. */
export function parsePolicy(base64: string): PostPolicy {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidPolicy('Invalid JSON.');
  }
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (typeof expiration !== 'string') throw invalidPolicy('Policy missing expiration.');
  const expiresAt = new Date(expiration);
  if (Number.isNaN(expiresAt.getTime())) throw invalidPolicy(`Invalid 'expiration' value: '${expiration}'`);
  if (!Array.isArray(conditions)) throw invalidPolicy('Policy missing conditions.');
  return { expiration: expiresAt, conditions: conditions.map(parseCondition) };
}

/**
 * Checks a POST upload's fields against its policy: not expired, every field covered by a
 * condition, every condition met. `fields` maps lower-case field names to values, with `key`
 * already expanded (`${filename}` replaced), since S3 matches the key after expansion. Returns the
 * content-length-range to enforce on the file, if the policy has one.
 */
export function checkPolicy(
  policy: PostPolicy,
  request: { bucket: string; fields: ReadonlyMap<string, string>; now: number },
): { min: number; max: number } | undefined {
  if (request.now > policy.expiration.getTime()) {
    throw accessDenied('Invalid according to Policy: Policy expired.');
  }
  const covered = new Set(
    policy.conditions.flatMap((condition) =>
      condition.kind === 'content-length-range' ? [] : [condition.field],
    ),
  );
  const extra = [...request.fields.keys()].filter(
    (name) => !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && !covered.has(name),
  );
  if (extra.length > 0)
    throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);

  let range: { min: number; max: number } | undefined;
  for (const condition of policy.conditions) {
    if (condition.kind === 'content-length-range') {
      range = { min: condition.min, max: condition.max };
      continue;
    }
    const actual =
      condition.field === 'bucket' ? request.bucket : (request.fields.get(condition.field) ?? '');
    const met =
      condition.kind === 'eq'
        ? actual === condition.value
        : // A Content-Type may list several types; each must carry the prefix.
          (condition.field === 'content-type' ? actual.split(',') : [actual]).every((value) =>
            value.trim().startsWith(condition.value),
          );
    if (!met) throw accessDenied(`Invalid according to Policy: Policy Condition failed: ${condition.text}`);
  }
  return range;
}

/** Enforces a content-length-range on the uploaded file's size. */
export function checkContentLength(range: { min: number; max: number } | undefined, size: number): void {
  if (!range) return;
  if (size > range.max) throw entityTooLarge(size, range.max);
  if (size < range.min) {
    throw new S3Error(
      400,
      'EntityTooSmall',
      'Your proposed upload is smaller than the minimum allowed size',
      {
        ProposedSize: size,
        MinSizeAllowed: range.min,
      },
    );
  }
}

function parseCondition(condition: unknown): PolicyCondition {
  if (Array.isArray(condition)) {
    const [operation, first, second] = condition as unknown[];
    const text = `[${condition.map((part) => JSON.stringify(part)).join(', ')}]`;
    if (operation === 'content-length-range' && condition.length === 3) {
      const min = Number(first);
      const max = Number(second);
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
        throw invalidPolicy('Invalid content-length-range.');
      }
      return { kind: 'content-length-range', min, max, text };
    }
    if ((operation === 'eq' || operation === 'starts-with') && condition.length === 3) {
      if (typeof first !== 'string' || !first.startsWith('$') || typeof second !== 'string') {
        throw invalidPolicy(`Invalid Condition: ${text}`);
      }
      return { kind: operation, field: first.slice(1).toLowerCase(), value: second, text };
    }
    throw invalidPolicy(`Invalid Condition: ${text}`);
  }
  if (typeof condition === 'object' && condition !== null) {
    const entries = Object.entries(condition);
    const [entry] = entries;
    if (entries.length !== 1 || !entry || typeof entry[1] !== 'string') {
      throw invalidPolicy(
        'Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
      );
    }
    const [field, value] = entry;
    return {
      kind: 'eq',
      field: field.toLowerCase(),
      value,
      text: `["eq", "$${field}", ${JSON.stringify(value)}]`,
    };
  }
  throw invalidPolicy('Invalid Condition.');
}

function invalidPolicy(detail: string): S3Error {
  return new S3Error(400, 'InvalidPolicyDocument', `Invalid Policy: ${detail}`);
}
