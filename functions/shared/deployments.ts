import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceUpdateEvent } from 'aws-lambda';

/**
 * The custom resource property that carries when its template was synthesized. It changes on every
 * deploy, so CloudFormation sends an Update (and the handler runs) each time.
 */
export const synthesizedAtProperty = 'SynthesizedAt';

/**
 * Whether an Update brings an older template than the one before it: CloudFormation rolling a failed
 * deploy back, which sends the previous properties again. Work that only moves forward (migrations)
 * has nothing to do then, and must not fail, or the rollback itself fails. A template from before the
 * property existed counts as older.
 */
export function isRollback(
  event: CloudFormationCustomResourceEvent,
): event is CloudFormationCustomResourceUpdateEvent {
  if (event.RequestType !== 'Update') return false;
  const now = String(event.ResourceProperties[synthesizedAtProperty] ?? '');
  const before = String(event.OldResourceProperties[synthesizedAtProperty] ?? '');
  return before !== '' && now < before;
}
