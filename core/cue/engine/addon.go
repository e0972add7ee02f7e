package main

import (
	"encoding/json"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// renderAddon evaluates an addon's CUE files (template.cue, resources/**/*.cue,
// parameter.cue) as one package with the user's parameters and KubeVela's
// addon context, and exports the Application (`output`), the auxiliary
// objects (`outputs`) and the parameters as unified with parameter.cue.
func renderAddon(files []SourceFile, params, context json.RawMessage) (interface{}, error) {
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	if len(context) == 0 {
		context = json.RawMessage("{}")
	}
	var parsed []*ast.File
	pkg := ""
	for _, f := range files {
		syn, err := parser.ParseFile(f.Name, f.Source, parser.ParseComments)
		if err != nil {
			return nil, failure{toDiagnostics(err, "cue-error")}
		}
		if name := syn.PackageName(); name != "" && pkg == "" {
			pkg = name
		}
		parsed = append(parsed, syn)
	}
	clause := ""
	if pkg != "" {
		clause = "package " + pkg + "\n"
	}
	pf, err := extraFile("parameter.json.cue", clause+"parameter: "+string(params))
	if err != nil {
		return nil, fail("parameter-invalid", "parameters are not valid JSON: %v", err)
	}
	cf, err := extraFile("context.json.cue", clause+"context: "+string(context))
	if err != nil {
		return nil, fail("context-invalid", "context is not valid JSON: %v", err)
	}
	ctx := cuecontext.New()
	v, err := buildFiles(ctx, append(parsed, pf, cf)...)
	if err != nil {
		return nil, failure{toDiagnostics(err, "render-error")}
	}
	out, problems := exportFields(v, "parameter", "output", "outputs")
	if len(problems) > 0 {
		return nil, failure{dedupe(problems)}
	}
	return out, nil
}
