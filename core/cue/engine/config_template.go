package main

import (
	"encoding/json"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"sigs.k8s.io/yaml"
)

// configDefaultContext is what KubeVela appends to a config template before
// evaluating and storing it (pkg/config/context DefaultContext).
const configDefaultContext = "\n\tcontext: {\n\t\tname: string\n\t\tnamespace: string\n\t}\n"

// The expanded writers of a config template, in the shape KubeVela decodes
// them into (pkg/config/writer): the YAML it stores follows these fields.
type expandedWriterConfig struct {
	Nacos *nacosConfig `json:"nacos"`
}

type nacosConfig struct {
	Endpoint struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"endpoint"`
	Format   string `json:"format"`
	Metadata struct {
		DataID      string `json:"dataId"`
		Group       string `json:"group"`
		NamespaceID string `json:"namespaceId"`
		AppName     string `json:"appName,omitempty"`
		Tenant      string `json:"tenant,omitempty"`
		Tag         string `json:"tag,omitempty"`
	} `json:"metadata"`
}

// configExpandedWriter is the `expanded-writer` KubeVela stores for a config
// template: `template.nacos` decoded into its writer type, defaults taken and
// values the parameters would give left empty (KubeVela ignores the decode
// error those cause), as YAML through sigs.k8s.io/yaml.
func configExpandedWriter(file, source string) (interface{}, error) {
	f, err := parser.ParseFile(file, source+"\n"+configDefaultContext, parser.ParseComments)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	v, err := buildFiles(cuecontext.New(), f)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	ewc := expandedWriterConfig{}
	if nacos := v.LookupPath(cue.ParsePath("template.nacos")); nacos.Exists() {
		ewc.Nacos = &nacosConfig{}
		_ = nacos.Decode(ewc.Nacos)
	}
	b, err := json.Marshal(ewc)
	if err != nil {
		return nil, fail("cue-internal", "expanded writer: %v", err)
	}
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		return nil, fail("cue-internal", "expanded writer: %v", err)
	}
	return map[string]string{"yaml": string(y)}, nil
}
