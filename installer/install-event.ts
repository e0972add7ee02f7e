import type { Plan } from '../core/resolve/types.ts';
import type { ApplyReport } from './apply.ts';
import type { UpgradeReport } from './upgrade-report.ts';

/** Progress events, for a CLI to print while it waits. */
export type InstallEvent =
  | { kind: 'registry'; name: string; error?: string }
  | { kind: 'plan'; cluster: string; plan: Plan }
  | { kind: 'fetch'; name: string; version: string }
  | { kind: 'apply'; cluster: string; name: string; version: string; report: ApplyReport }
  /** Still waiting for an addon to run; `unhealthy` lists what vela-core reports not healthy yet, with its message. */
  | { kind: 'wait'; cluster: string; name: string; elapsedMs: number; unhealthy?: string[] }
  | { kind: 'rollback'; cluster: string; problems: string[] }
  | { kind: 'warning'; cluster: string; message: string }
  /** An upgrade's report for one cluster, before anything is written there. */
  | { kind: 'upgrade-report'; report: UpgradeReport }
  /** An upgrade applied (or validated, in a dry run) on one cluster. */
  | { kind: 'upgraded'; cluster: string; name: string; version: string };
