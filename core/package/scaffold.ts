import { stringify } from 'yaml';
import { VelahubError } from '../errors.ts';
import type { PackageFiles } from './files.ts';

/** The kind of definition a new addon starts with. */
export type ScaffoldKind = 'component' | 'trait';

const traitCue = (name: string) => `"${name}": {
	type: "trait"
	annotations: {}
	labels: {}
	description: "Adds labels to the component's workload"
	attributes: {
		podDisruptive: true
		appliesToWorkloads: ["deployments.apps", "statefulsets.apps"]
	}
}
template: {
	patch: metadata: labels: parameter.labels
	parameter: {
		// +usage=Labels to add to the workload
		labels: [string]: string
	}
}
`;

const componentCue = (name: string) => `"${name}": {
	type: "component"
	annotations: {}
	labels: {}
	description: "Runs a container as a Deployment"
	attributes: workload: definition: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
	}
}
template: {
	output: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
		metadata: name: context.name
		spec: {
			replicas: parameter.replicas
			selector: matchLabels: "app.oam.dev/component": context.name
			template: {
				metadata: labels: "app.oam.dev/component": context.name
				spec: containers: [{
					name:  context.name
					image: parameter.image
				}]
			}
		}
	}
	parameter: {
		// +usage=Container image to run
		image: string
		// +usage=Number of pods
		replicas: *1 | int
	}
}
`;

/**
 * The files of a new addon that lints clean: metadata.yaml, a README, one
 * definition of the given kind, and an example Application.
 */
export function scaffoldAddon(name: string, kind: ScaffoldKind): PackageFiles {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
    throw new VelahubError('EUSAGE', `addon name ${JSON.stringify(name)} is invalid: use lowercase letters and digits separated by single dashes (e.g. "my-addon")`, { path: 'NAME' });
  }
  const metadata = {
    name,
    version: '0.1.0',
    description: `The ${kind} ${name}`,
    tags: [kind],
    system: { vela: '>=1.6.0', kubernetes: '>=1.22' },
  };
  const example = {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: `${name}-example` },
    spec: {
      components: [
        kind === 'component'
          ? { name: 'web', type: name, properties: { image: 'nginx:1.27' } }
          : { name: 'web', type: 'webservice', properties: { image: 'nginx:1.27' }, traits: [{ type: name, properties: { labels: { team: 'platform' } } }] },
      ],
    },
  };
  const readme = `# ${name}\n\n${metadata.description}.\n\n## Install\n\n\`\`\`shell\nvelahub enable ${name}\n\`\`\`\n\n## Example\n\n\`\`\`yaml\n${stringify(example)}\`\`\`\n`;
  return new Map<string, Uint8Array>([
    ['metadata.yaml', Buffer.from(stringify(metadata))],
    ['README.md', Buffer.from(readme)],
    [`definitions/${name}.cue`, Buffer.from(kind === 'component' ? componentCue(name) : traitCue(name))],
    ['examples/example.yaml', Buffer.from(stringify(example))],
  ]);
}
