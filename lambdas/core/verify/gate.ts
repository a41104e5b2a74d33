/**
 * The signature gate (SPEC §3 `verify`): a decision of a policy with `verify` proposes its tag
 * only when the digest verified. Anything else becomes a decision that writes nothing, and its
 * reason says which check failed, for the plan, the dashboard line and the log:
 * "held" while a signature may still come (cosign signs after the push), "refused" when one is
 * there and wrong, or when none came within `SIGNATURE_WAIT_MS` of the push.
 *
 * Fail closed: without a verifier (no registry access, as in `plan`) a policy with `verify` is
 * held too. No fallback to an older candidate: each try costs registry requests, and an older
 * tag is not what the push asked for.
 */
import type { SignatureVerifier } from '../../ports/signature-verifier.ts';
import { ImageUpdaterError } from '../../errors.ts';
import type { PolicyDecision, PolicyTarget } from '../plan/decide.ts';
import { defined } from '../../objects.ts';
import type { Verdict, VerifyCheck } from './types.ts';

/** How long after its push an image may wait for its signature before it is refused as unsigned. */
export const SIGNATURE_WAIT_MS = 15 * 60 * 1000;

/**
 * When a held image is looked at again without a push, after its own push: once soon (a
 * signature whose push sent no event, an ECR referrer say) and once just past the wait, when it
 * is verified or refused for good. Bounded: two wake-ups per pushed digest at most.
 */
const RECHECKS_MS = [2 * 60 * 1000, SIGNATURE_WAIT_MS + 1000];

/** What a later push or run can change without anyone touching the policy: held, not refused. */
const WAITING: ReadonlySet<VerifyCheck> = new Set([
  'signature-missing',
  'image-missing',
  'registry-unreadable',
  'trust-root-unavailable',
]);

export async function gateDecisions(
  decisions: readonly PolicyDecision[],
  verifier: SignatureVerifier | undefined,
  now: () => Date = () => new Date(),
): Promise<PolicyDecision[]> {
  return Promise.all(decisions.map((d) => gate(d, verifier, now)));
}

async function gate(
  d: PolicyDecision,
  verifier: SignatureVerifier | undefined,
  now: () => Date,
): Promise<PolicyDecision> {
  const verify = d.policy.verify;
  if (!verify || d.outcome !== 'update' || !d.to) return d;
  const to = d.to;
  let verdict: Verdict;
  if (!verifier) {
    verdict = {
      ok: false,
      check: 'not-checked',
      detail:
        'signatures are not checked here (no registry access); the deployed updater and serve check them',
    };
  } else {
    try {
      verdict = await verifier.verify({
        image: d.policy.image,
        tag: to.tag,
        ...(to.digest !== undefined ? { digest: to.digest } : {}),
        verify,
      });
    } catch (error) {
      // A registry that may answer later returns the event to the queue; one that refuses holds.
      if (!(error instanceof ImageUpdaterError) || error.retryable) throw error;
      verdict = {
        ok: false,
        check: 'registry-unreadable',
        detail: `the registry could not be read (${error.code})`,
      };
    }
  }
  if (verdict.ok) {
    return {
      ...d,
      to: { ...to, digest: to.digest ?? verdict.digest },
      reason: `${d.reason}; signature verified (${verdict.via === 'sig-tag' ? 'cosign .sig' : 'Sigstore bundle referrer'})`,
      signature: verdict,
    };
  }
  const waiting =
    verdict.check === 'not-checked' ||
    (WAITING.has(verdict.check) &&
      (to.pushedAt === undefined || now().getTime() - to.pushedAt.getTime() < SIGNATURE_WAIT_MS));
  const { to: _to, updateType: _type, ...rest } = d;
  const subject = `${to.tag}${(verdict.digest ?? to.digest) ? ` (${verdict.digest ?? to.digest})` : ''}`;
  return {
    ...rest,
    outcome: 'no-candidate',
    reason: waiting
      ? `held: ${subject}: ${verdict.check}: ${verdict.detail}${verdict.check === 'not-checked' ? '' : '; checked again when its signature is pushed'}`
      : `refused: ${subject}: ${verdict.check}: ${verdict.detail}`,
    signature: {
      ...verdict,
      held: waiting,
      ...defined({ recheck: waiting ? recheckOf(to, verdict.check, now()) : undefined }),
    },
  };
}

function recheckOf(to: PolicyTarget, check: VerifyCheck, now: Date) {
  if (check === 'not-checked' || to.pushedAt === undefined) return undefined;
  const pushedAt = to.pushedAt;
  const at = RECHECKS_MS.map((ms) => new Date(pushedAt.getTime() + ms)).find((t) => t > now);
  return at && { at, tag: to.tag, pushedAt, ...defined({ digest: to.digest }) };
}
