import { readYaml } from '../../lambdas/config/load.ts';
import { StandalonePolicySchema } from '../../lambdas/config/policy-schema.ts';
import { resolvePolicy } from '../../lambdas/config/resolve.ts';
import type { Policy } from '../../lambdas/core/config.ts';
import { formatInstant } from '../../lambdas/core/apply/pr-state.ts';
import { DIGEST, isValidTag } from '../../lambdas/core/image/reference.ts';
import {
  loadPatternEngine,
  selectTag,
  type SelectionResult,
  type SelectOptions,
} from '../../lambdas/core/tags/index.ts';
import { LIMITS, parseFlags, selectDefinition, type SelectFlags } from './definitions.ts';
import { CliInputError, EXIT, type CliIo, type Command } from './io.ts';
import { readInput } from './read-input.ts';
import { parseTagList } from './tag-list-file.ts';
import { defined } from '../../lambdas/objects.ts';
import {
  gateByAge,
  hasReleaseAge,
  heldAbove,
  instant,
  type HeldCandidate,
} from '../../lambdas/core/plan/release-age.ts';

/**
 * `select --policy JSON|@file --tags FILE|- [--current TAG[@DIGEST]] [--json]` (SPEC §9): the tag
 * a policy chooses from a tag list. Exit 0 chosen (printed on stdout; `tag@digest` for the digest
 * strategy), 1 none (the reason on stderr; with `--json` the JSON still goes to stdout), 2 invalid
 * input. The policy is one `policies` entry, name and image optional, in JSON or YAML.
 */
export const select: Command = async (args, io) => {
  const values = parseFlags<SelectFlags>(selectDefinition(), args, io);
  if (!values) return EXIT.ok;
  if (values.policy === undefined) throw new CliInputError('--policy JSON|@file is required');
  if (values.tags === undefined) throw new CliInputError('--tags FILE|- is required (one tag per line)');
  // The policy schema checks tags.pattern with the engine, which loads on demand.
  await loadPatternEngine();
  const policy = await readPolicy(values.policy, io);
  const source = values.tags === '-' ? 'stdin' : values.tags;
  const tags = await readInput(
    { path: values.tags, label: '--tags: ', maxBytes: LIMITS.tagListBytes, what: 'a tag list' },
    io,
  );
  const candidates = parseTagList(tags, source);
  const options = values.current === undefined ? {} : parseCurrent(values.current);
  // minimumReleaseAge as the worker applies it, measured now: the newest tag old enough wins.
  const ages = policy.minimumReleaseAge;
  const gate = hasReleaseAge(ages)
    ? gateByAge(policy, ages, candidates, options.current, new Date())
    : undefined;
  const result = selectTag(policy, gate ? gate.aged : candidates, options);
  const held =
    gate &&
    heldAbove(
      policy,
      gate,
      result.chosen
        ? { current: result.chosen.tag, ...defined({ currentDigest: result.chosen.digest }) }
        : options,
    );
  const code = result.chosen ? EXIT.ok : EXIT.negative;
  // `select` reads no registry: say so rather than present the tag as the worker's answer.
  if (policy.verify)
    io.stderr(
      'image-updater select: signatures are not checked here (no registry access); the updater proposes this tag only once its signature verifies\n',
    );
  if (values.json) {
    const json = { ...toJson(result), considered: result.considered, rejected: result.rejected };
    // Every tag accounted for: those too young for minimumReleaseAge are rejected as such.
    const young = (gate?.young ?? []).map(({ candidate, age }) => {
      const pushed = candidate.pushedAt?.getTime();
      return {
        tag: candidate.tag,
        reason: 'too-young',
        detail:
          pushed === undefined || Number.isNaN(pushed)
            ? 'push time unknown'
            : `due at ${instant(new Date(pushed + age))}`,
      };
    });
    // Indented, as `plan --json`: read by people as often as by jq.
    io.stdout(
      `${JSON.stringify(
        {
          ...json,
          considered: json.considered + young.length,
          rejected: [...json.rejected, ...young],
          ...heldJson(held),
        },
        null,
        2,
      )}\n`,
    );
    return code;
  }
  if (!result.chosen) {
    io.stderr(`image-updater select: ${held ? `held: ${held.reason}` : result.reason}\n`);
    return code;
  }
  const { tag, digest } = result.chosen;
  io.stdout(`${policy.strategy === 'digest' && digest !== undefined ? `${tag}@${digest}` : tag}\n`);
  return code;
};

async function readPolicy(value: string, io: CliIo): Promise<Policy> {
  const text = value.startsWith('@')
    ? await readInput(
        { path: value.slice(1), label: '--policy: ', maxBytes: LIMITS.policyBytes, what: 'a policy' },
        io,
      )
    : value;
  if (text.trim() === '')
    throw new CliInputError('--policy: empty; expected one policies entry as JSON or YAML');
  // YAML is a superset of JSON: a policy copied from `.image-updater.yaml` works as well. The
  // config's reader, with its limits: nesting thousands deep overflowed the stack.
  const read = readYaml(text);
  if (!read.ok) {
    const issue = read.issues[0]!;
    throw new CliInputError(
      `--policy: not JSON or YAML: ${firstLine(issue.message)} (line ${issue.line}, column ${issue.column})`,
    );
  }
  const data = read.data;
  const parsed = StandalonePolicySchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`,
    );
    throw new CliInputError(`--policy: ${issues.map(firstLine).join('; ')}`);
  }
  return resolvePolicy(parsed.data);
}

function parseCurrent(value: string): SelectOptions {
  const at = value.indexOf('@');
  const tag = at < 0 ? value : value.slice(0, at);
  const digest = at < 0 ? undefined : value.slice(at + 1);
  if (!isValidTag(tag)) throw new CliInputError(`--current: "${firstLine(tag)}" is not a valid OCI tag`);
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw new CliInputError(`--current: "${firstLine(digest)}" is not a digest (sha256:<64 hex>)`);
  }
  return { current: tag, ...defined({ currentDigest: digest }) };
}

function toJson(result: SelectionResult): Record<string, unknown> {
  const { chosen } = result;
  return {
    chosen: chosen?.tag ?? null,
    ...(chosen?.digest !== undefined ? { digest: chosen.digest } : {}),
    ...(chosen?.pushedAt !== undefined ? { pushedAt: formatInstant(chosen.pushedAt) } : {}),
    ...(chosen ? { updateType: chosen.updateType } : {}),
    outcome: result.outcome,
    reason: result.reason,
    ...defined({ best: result.best }),
    ...(result.current !== undefined
      ? { current: result.current, currentOrderable: result.currentOrderable }
      : {}),
    considered: result.considered,
    rejected: result.rejected,
  };
}

function heldJson(held: HeldCandidate | undefined): Record<string, unknown> {
  if (!held) return {};
  return {
    held: { tag: held.tag, ...(held.due ? { until: instant(held.due) } : {}), reason: held.reason },
  };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}
