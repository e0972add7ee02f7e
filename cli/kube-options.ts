import type { Command } from 'commander';
import { VelahubError } from '../core/errors.ts';
import type { Kube } from '../installer/kube.ts';

/** Flags of the commands that talk to clusters. */
export interface KubeFlags {
  kubeconfig?: string;
  context: string[];
  velaNamespace: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Adds --kubeconfig, --context (repeatable) and --vela-namespace. */
export function withKubeOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context; repeat for several clusters (default: the current context)', collect, [])
    .option('--vela-namespace <ns>', 'namespace KubeVela runs in', 'vela-system');
}

/**
 * One Kube client per requested context. The Kubernetes client is loaded here,
 * on first use, so commands that never talk to a cluster start fast.
 */
export async function kubeClients(flags: KubeFlags): Promise<Kube[]> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { Kube } = await import('../installer/kube.ts');
  const kc = new KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new VelahubError('EUSAGE', `cannot read the kubeconfig${flags.kubeconfig ? ` ${flags.kubeconfig}` : ''}: ${(err as Error).message}`, { path: '--kubeconfig' });
  }
  const contexts = flags.context.length ? flags.context : [kc.getCurrentContext()];
  if (!contexts[0]) throw new VelahubError('EUSAGE', 'no kubeconfig context: pass --context or set a current context', { path: '--context' });
  return [...new Set(contexts)].map((c) => new Kube(kc, c));
}
