/** The shape of bench/results.json. */
import type { BurstFigures } from './burst.ts';
import type { CliFigures } from './cli.ts';
import type { FunctionFigures } from './functions.ts';
import type { NaiveBurstFigures } from './naive-burst.ts';
import type { OrganisationFigures } from './organisation.ts';
import type { PlanFigures } from './plan-files.ts';
import type { PushToPrFigures } from './push-to-pr.ts';
import type { LifecycleFigures } from './lifecycle.ts';
import type { TagSelectionFigures } from './tag-selection.ts';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryGiB: number;
}

export interface BenchResults {
  readonly startedAt: string;
  readonly durationSeconds?: number;
  readonly machine: MachineInfo;
  readonly pushToPr?: PushToPrFigures;
  readonly lifecycle?: LifecycleFigures;
  readonly organisation?: OrganisationFigures;
  readonly bursts?: Record<string, BurstFigures>;
  readonly naiveBurst?: NaiveBurstFigures;
  readonly tags?: TagSelectionFigures;
  readonly plan?: PlanFigures;
  readonly functions?: readonly FunctionFigures[];
  readonly cli?: CliFigures;
  readonly checks?: readonly { figure: string; bar: string; value: string; ok: boolean }[];
}
