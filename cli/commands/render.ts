import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { VelahubError } from '../../core/errors.ts';
import { definitionsOf } from './show.ts';
import type { applySet } from '../../core/params/set-values.ts';
import type { CueLine } from '../../core/cue/lines.ts';
import { outputOption } from '../output-format.ts';
import { printOut } from '../report.ts';

/** Reads `-f` values files and applies `--set` on top, Helm's order. */
export async function collectValues(files: string[], sets: string[], schema?: Parameters<typeof applySet>[2]): Promise<Record<string, unknown>> {
  const [{ parse }, { applySet }] = await Promise.all([import('yaml'), import('../../core/params/set-values.ts')]);
  let values: Record<string, unknown> = {};
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => {
      throw new VelahubError('ENOENT', `-f ${f}: no such file`, { path: '-f' });
    });
    let doc: unknown;
    try {
      doc = parse(text) ?? {};
    } catch (err) {
      throw new VelahubError('EINVALID', `-f ${f}: invalid YAML: ${(err as Error).message.split('\n')[0]}`, { path: '-f' });
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new VelahubError('EINVALID', `-f ${f}: expected a YAML mapping of parameters`, { path: '-f' });
    values = { ...values, ...(doc as Record<string, unknown>) };
  }
  for (const s of sets) applySet(values, s, schema);
  return values;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The CUE line of a KubeVela version given as `--vela` (1.10, v1.10.3, 1.11 …). */
function lineForVela(version: string): CueLine {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m || Number(m[1]) !== 1) throw new VelahubError('EUSAGE', `--vela ${JSON.stringify(version)} is not a KubeVela version: expected 1.10 or 1.11`, { path: '--vela' });
  return Number(m[2]) >= 11 ? 'v0.14' : 'v0.9';
}

/** Reads `--workload`: one Kubernetes object in YAML or JSON. */
async function readWorkload(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new VelahubError('ENOENT', `--workload ${file}: no such file`, { path: '--workload' });
  });
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new VelahubError('EINVALID', `--workload ${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`, { path: '--workload' });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || typeof (doc as { kind?: unknown }).kind !== 'string') {
    throw new VelahubError('EINVALID', `--workload ${file}: expected one Kubernetes object (a mapping with apiVersion and kind)`, { path: '--workload' });
  }
  return doc as Record<string, unknown>;
}

/** `velahub render PATH DEFINITION --set k=v -f values.yaml`: the objects a definition produces. */
export function renderCommand(): Command {
  return new Command('render')
    .description('render the Kubernetes objects a definition produces for given parameters')
    .argument('<path>', 'addon folder, .tgz, or a .cue/.yaml definition')
    .argument('[definition]', 'definition name (needed when the package has several)')
    .option('--set <key=value>', 'set a parameter (repeatable; Helm syntax: a.b=c, list[0].x=1)', collect, [])
    .option('-f, --values <file>', 'YAML file of parameters (repeatable)', collect, [])
    .option('--name <name>', 'component name in the context', 'example')
    .option('--app <name>', 'application name in the context')
    .option('-n, --namespace <ns>', 'namespace in the context', 'default')
    .option('--cluster-version <v>', 'Kubernetes version in the context, e.g. 1.29', '1.29')
    .option('--workload <file>', 'for a trait: the workload (YAML) it is attached to; default a sample Deployment')
    .option('--vela <version>', 'render as this KubeVela line evaluates CUE: 1.10 (CUE v0.9.2) or 1.11 (CUE v0.14.1)', '1.10')
    .addOption(outputOption(['yaml', 'json']))
    .action(async (path: string, name: string | undefined, opts: { set: string[]; values: string[]; name: string; app?: string; namespace: string; clusterVersion: string; workload?: string; vela: string; output: 'yaml' | 'json' }) => {
      const [{ stringify }, { validateParameters }, { withEvaluator }, { printData }, { sampleWorkload }] = await Promise.all([
        import('yaml'),
        import('../../core/params/validate.ts'),
        import('../evaluator.ts'),
        import('../output.ts'),
        import('../../core/cue/context.ts'),
      ]);
      const m = /^v?(\d+)\.(\d+)/.exec(opts.clusterVersion);
      if (!m) throw new VelahubError('EUSAGE', `--cluster-version ${JSON.stringify(opts.clusterVersion)} is not a Kubernetes version: expected e.g. 1.29`, { path: '--cluster-version' });
      const line = lineForVela(opts.vela);
      const workload = opts.workload ? await readWorkload(opts.workload) : undefined;
      const result = await withEvaluator(async (cue) => {
        const defs = (await definitionsOf(path, name, cue)).filter((d) => d.schematic === 'cue');
        const def = defs.length === 1 ? defs[0] : undefined;
        if (!def) {
          throw new VelahubError('EUSAGE', defs.length ? `${path} provides ${defs.length} definitions: name one of ${defs.map((d) => d.name).join(', ')}` : `${path} has no CUE definition to render (Terraform components render in the cluster)`, { path: 'DEFINITION' });
        }
        const values = await collectValues(opts.values, opts.set, def.schema);
        const problems = validateParameters(def.schema, values, def.file);
        if (problems.length > 0) throw new VelahubError('EINVALID_PARAMETERS', `${problems.length} invalid parameter(s) for ${def.name}: ${problems[0]!.message}`, { data: problems });
        const minor = Number(m[2]);
        const context = {
          name: opts.name,
          appName: opts.app ?? opts.name,
          namespace: opts.namespace,
          clusterVersion: { major: Number(m[1]), minor, gitVersion: `v${m[1]}.${m[2]}.0` },
          output: workload ?? sampleWorkload(opts.name, opts.namespace),
        };
        const rendered = await cue.render(def.cue, def.file, { parameters: values, context, line });
        // A trait's patch is shown applied, with KubeVela's patch strategies, to the workload it is attached to.
        const patched = rendered.patchSource ? await cue.patch(context.output, rendered.patchSource, { line }) : undefined;
        return { def, rendered, patched };
      });
      const objects = [...(result.rendered.output ? [result.rendered.output] : []), ...Object.keys(result.rendered.outputs).sort().map((k) => result.rendered.outputs[k]!)];
      if (opts.output === 'json') {
        printData({ objects, ...(result.rendered.patch ? { patch: result.rendered.patch, patchedWorkload: result.patched } : {}) }, 'json');
        return;
      }
      const docs = objects.map((o) => stringify(o, { lineWidth: 0 }));
      if (result.patched) docs.push(`# the workload with the trait's patch applied (KubeVela's patch strategies)\n${stringify(result.patched, { lineWidth: 0 })}`);
      printOut(docs.join('---\n'));
    });
}
