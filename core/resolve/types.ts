/** One installable version of an addon, as a registry's index describes it. */
export interface Candidate {
  name: string;
  version: string;
  /** Name of the registry it comes from. */
  registry: string;
  /** `sha256:<hex>` of the archive, from the index. */
  digest: string;
  /** Archive URL (absolute). */
  url: string;
  dependencies: Array<{ name: string; range?: string }>;
  /**
   * False when the index did not say (a registry other than velahub): the
   * dependencies must be read from the archive before the plan is final.
   */
  dependenciesKnown?: boolean;
  system: { vela?: string; kubernetes?: string };
  /** Deprecation message, when deprecated. */
  deprecated?: string;
  yanked?: boolean;
  definitions: Array<{ name: string; type: string }>;
  /** Where a velahub registry serves this version's stored manifest (absent for other registries). */
  manifestUrl?: string;
}

/** What one registry offered (or why it could not be read). */
export interface RegistrySnapshot {
  name: string;
  /** Versions by addon name. */
  addons: Map<string, Candidate[]>;
  /** Set when the registry could not be read: it is skipped, and reported if it was needed. */
  error?: string;
}

/** An addon already enabled on a cluster. */
export interface InstalledAddon {
  name: string;
  version: string;
  registry?: string;
}

/** What the resolver needs to know about one cluster. */
export interface ClusterFacts {
  /** The kubeconfig context, used in messages and plans. */
  name: string;
  velaVersion?: string;
  kubernetesVersion?: string;
  installed: InstalledAddon[];
}

/** One addon the user asked for. */
export interface Requested {
  name: string;
  /** A semver range (KubeVela's comma form accepted); any version when omitted. */
  range?: string;
}

/** A locked version (velahub.lock). */
export interface LockedAddon {
  name: string;
  version: string;
  registry: string;
  digest: string;
}

/** Everything a resolution depends on: a pure function of this. */
export interface ResolveInput {
  requested: Requested[];
  /** Registries in priority order: the first that has an addon serves it. */
  registries: RegistrySnapshot[];
  cluster: ClusterFacts;
  /** Addons that may move off their installed version (`true`: all). */
  upgrade?: boolean | string[];
  /** When set, every addon must resolve to exactly its locked version and digest. */
  lock?: LockedAddon[];
  /** Bound on search steps, against pathological graphs. */
  maxSteps?: number;
}

/** What happens to one addon on one cluster. */
export interface PlanStep {
  name: string;
  version: string;
  action: 'install' | 'upgrade' | 'downgrade' | 'keep';
  /** The installed version, for upgrades and keeps. */
  from?: string;
  registry: string;
  digest: string;
  url: string;
  /** Why it is in the plan: "requested" or "required by X 1.0.0 (>=1.0.0)". */
  reason: string;
  candidate: Candidate;
}

/** A resolution for one cluster: steps in install order (dependencies first). */
export interface Plan {
  cluster: string;
  steps: PlanStep[];
  warnings: string[];
}
