/** Tag selection (SPEC §4): the public API the planner and the CLI use. */
export { selectTag } from './select.ts';
export { compareTags } from './compare.ts';
export { classifyUpdate, updateClassifier } from './update-type.ts';
export { isReferrerTag, signatureSubject } from './filter.ts';
export { InvalidSelectionPolicyError } from './errors.ts';
export { loadPatternEngine } from './pattern.ts';
export type { Rejection, SelectionResult, SelectOptions, TagCandidate, UpdateType } from './types.ts';
