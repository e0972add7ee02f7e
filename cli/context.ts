/**
 * What a CLI run takes from its surroundings besides argv. `run(argv, context)`
 * receives it, so tests pin the clock without a flag or variable in the shipped CLI.
 */
export interface CliContext {
  /** The clock: read once per decision that depends on the time (e.g. gc's age cutoff). */
  now: () => Date;
}

/** The real surroundings: the system clock. */
export const realContext: CliContext = { now: () => new Date() };
