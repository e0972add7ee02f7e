package main

import (
	"encoding/json"

	"sigs.k8s.io/yaml"
)

// kubevelaYAML writes a JSON value as YAML the way KubeVela writes the YAML it
// stores (a config template's schema, its expanded writers): sigs.k8s.io/yaml,
// whose go-yaml v2 emitter sorts keys, leaves sequences unindented under their
// key and folds long plain scalars after column 80. Only that library gives
// the same bytes, so velahub uses it rather than a look-alike.
func kubevelaYAML(value json.RawMessage) (interface{}, error) {
	b, err := yaml.JSONToYAML(value)
	if err != nil {
		return nil, fail("cue-internal", "kubevelaYaml: %v", err)
	}
	return map[string]string{"yaml": string(b)}, nil
}
