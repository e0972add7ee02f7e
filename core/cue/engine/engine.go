// Package main is velahub's CUE engine: the real cuelang.org/go evaluator,
// compiled to WebAssembly once per KubeVela line, answering JSON requests.
// This file holds the requests themselves and knows nothing of JavaScript,
// so it builds and tests natively too.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"cuelang.org/go/encoding/openapi"
)

// baseContext is the `context` KubeVela adds to a template before generating
// its parameter schema (pkg/schema BaseTemplate): open, with only name required.
const baseContext = `
context: {
  name: string
  config?: [...{
    name: string
    value: string
  }]
  ...
}
`

// Diagnostic is one CUE error in the user's terms: the file as the caller
// named it, and the line and column in that file when CUE knows them.
type Diagnostic struct {
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Code    string `json:"code,omitempty"`
}

// SourceFile is one CUE file of a request.
type SourceFile struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

// Request is what the host sends; Op chooses which fields matter.
type Request struct {
	Op         string          `json:"op"`
	File       string          `json:"file"`
	Source     string          `json:"source"`
	Files      []SourceFile    `json:"files"`
	Parameters json.RawMessage `json:"parameters"`
	Context    json.RawMessage `json:"context"`
	Workload   json.RawMessage `json:"workload"`
	Patch      json.RawMessage `json:"patch"`
	// Value is the JSON value of kubevelaYaml.
	Value json.RawMessage `json:"value"`
	// Refs asks inspect for the OpenAPI document with references kept too (for the docs' names).
	Refs bool `json:"refs"`
}

// Response is what the engine answers. Diagnostics set means the request failed.
type Response struct {
	Version     string          `json:"version,omitempty"`
	Diagnostics []Diagnostic    `json:"diagnostics,omitempty"`
	Result      json.RawMessage `json:"result,omitempty"`
}

type failure struct{ diags []Diagnostic }

func (f failure) Error() string { return f.diags[0].Message }

func fail(code, format string, args ...interface{}) failure {
	return failure{[]Diagnostic{{Code: code, Message: fmt.Sprintf(format, args...)}}}
}

// handle answers one JSON request. It never panics: a panic inside CUE (it
// has happened on odd input) comes back as a diagnostic.
func handle(raw string) (out string) {
	var resp Response
	defer func() {
		if r := recover(); r != nil {
			resp = Response{Diagnostics: []Diagnostic{{Code: "cue-panic", Message: fmt.Sprintf("CUE crashed evaluating this input: %v", r)}}}
		}
		b, err := json.Marshal(resp)
		if err != nil {
			b, _ = json.Marshal(Response{Diagnostics: []Diagnostic{{Code: "cue-internal", Message: err.Error()}}})
		}
		out = string(b)
	}()
	var req Request
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		resp.Diagnostics = []Diagnostic{{Code: "cue-internal", Message: "bad request: " + err.Error()}}
		return
	}
	var result interface{}
	var err error
	switch req.Op {
	case "version":
		result = map[string]string{"cue": cueVersion()}
	case "inspect":
		result, err = inspect(req.File, req.Source, req.Refs)
	case "render":
		result, err = render(req.File, req.Source, req.Parameters, req.Context)
	case "parameterFile":
		result, err = parameterFile(req.File, req.Source)
	case "renderAddon":
		result, err = renderAddon(req.Files, req.Parameters, req.Context)
	case "export":
		result, err = export(req.File, req.Source)
	case "patch":
		result, err = applyPatch(req.Workload, req.Patch)
	case "kubevelaYaml":
		result, err = kubevelaYAML(req.Value)
	case "configExpandedWriter":
		result, err = configExpandedWriter(req.File, req.Source)
	default:
		err = fail("cue-internal", "unknown op %q", req.Op)
	}
	if err != nil {
		if f, ok := err.(failure); ok {
			resp.Diagnostics = f.diags
		} else {
			resp.Diagnostics = toDiagnostics(err, "cue-error")
		}
		return
	}
	b, err := json.Marshal(result)
	if err != nil {
		resp.Diagnostics = []Diagnostic{{Code: "cue-internal", Message: err.Error()}}
		return
	}
	resp.Result = b
	return
}

// cueVersion reads the cuelang.org/go version this engine was built with.
func cueVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "cuelang.org/go" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

// toDiagnostics flattens CUE's error list, one diagnostic per error, placed
// at the first position that lies in a file the user gave us.
func toDiagnostics(err error, code string) []Diagnostic {
	var out []Diagnostic
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		p := strings.Join(e.Path(), ".")
		d := Diagnostic{Message: msg, Path: p, Code: code}
		if p != "" {
			d.Message = p + ": " + msg
		}
		for _, pos := range cueerrors.Positions(e) {
			f := pos.Filename()
			if f == "" || strings.HasPrefix(f, "velahub:") {
				continue
			}
			d.File, d.Line, d.Column = f, pos.Line(), pos.Column()
			break
		}
		key := fmt.Sprintf("%s:%d:%d:%s", d.File, d.Line, d.Column, d.Message)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	if len(out) == 0 {
		out = append(out, Diagnostic{Message: err.Error(), Code: code})
	}
	return out
}

// definitionParts splits a definition file the way KubeVela's
// Definition.FromCUEString does: imports, the `template` struct's
// declarations, and every other top-level field (the header).
type definitionParts struct {
	file      *ast.File
	imports   []ast.Decl
	header    []ast.Decl
	template  []ast.Decl
	hasHeader bool
	name      string
}

func splitDefinition(file, source string) (*definitionParts, error) {
	f, err := parser.ParseFile(file, source, parser.ParseComments)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	parts := &definitionParts{file: f}
	var headers []string
	foundTemplate := false
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.Package, *ast.CommentGroup, *ast.Attribute:
			continue
		case *ast.ImportDecl:
			parts.imports = append(parts.imports, d)
		case *ast.Field:
			label, _, _ := ast.LabelName(d.Label)
			if label == "template" {
				s, ok := d.Value.(*ast.StructLit)
				if !ok {
					return nil, failure{[]Diagnostic{at(file, d.Pos(), "definition-template", `"template" must be a struct: template: { parameter: ..., output: ... }`)}}
				}
				foundTemplate = true
				parts.template = append(parts.template, s.Elts...)
				continue
			}
			headers = append(headers, label)
			parts.header = append(parts.header, d)
		default:
			return nil, failure{[]Diagnostic{at(file, decl.Pos(), "definition-header", "a definition file holds imports, one header field and template: found something else here")}}
		}
	}
	var problems []Diagnostic
	if !foundTemplate {
		problems = append(problems, Diagnostic{File: file, Code: "definition-no-template", Message: `no "template" field: a definition needs template: { parameter: ..., output/outputs/patch: ... }`})
	}
	switch len(headers) {
	case 0:
		problems = append(problems, Diagnostic{File: file, Code: "definition-header", Message: `no definition header: expected one top-level field like <name>: { type: "trait", ... } beside "template"`})
	case 1:
		parts.name = headers[0]
	default:
		problems = append(problems, Diagnostic{File: file, Code: "definition-header", Message: fmt.Sprintf(`expected one definition header beside "template", found %d: %s`, len(headers), strings.Join(headers, ", "))})
	}
	if len(problems) > 0 {
		return nil, failure{problems}
	}
	return parts, nil
}

func at(file string, pos token.Pos, code, msg string) Diagnostic {
	d := Diagnostic{File: file, Code: code, Message: msg}
	if pos.IsValid() {
		d.Line, d.Column = pos.Line(), pos.Column()
	}
	return d
}

// build compiles the template's declarations with KubeVela's base context
// added to the same scope, as KubeVela compiles template + BaseTemplate.
func (p *definitionParts) build(ctx *cue.Context) (cue.Value, error) {
	base, err := extraFile("context.cue", baseContext)
	if err != nil {
		return cue.Value{}, err
	}
	tmpl := &ast.File{Filename: p.file.Filename, Imports: p.file.Imports, Decls: append(append([]ast.Decl{}, p.imports...), p.template...)}
	return buildFiles(ctx, joined(p.file.Filename, tmpl, base))
}

// exportFields exports each named top-level field that exists as concrete JSON;
// every field that is not concrete or fails adds its diagnostics instead.
func exportFields(v cue.Value, fields ...string) (map[string]interface{}, []Diagnostic) {
	out := map[string]interface{}{}
	var problems []Diagnostic
	for _, field := range fields {
		f := v.LookupPath(cue.ParsePath(field))
		if !f.Exists() {
			continue
		}
		if err := f.Validate(cue.Concrete(true)); err != nil {
			problems = append(problems, toDiagnostics(err, "render-error")...)
			continue
		}
		b, err := f.MarshalJSON()
		if err != nil {
			problems = append(problems, toDiagnostics(err, "render-error")...)
			continue
		}
		out[field] = json.RawMessage(b)
	}
	return out, problems
}

// templateText is the template as KubeVela stores it in a Definition CR's
// spec.schematic.cue.template. KubeVela (pkg/definition FromCUEString) formats
// the imports and the template's declarations apart, trims each to one final
// newline, joins them and formats the result again; the second pass aligns
// fields the first leaves unaligned, so both passes are needed for the same text.
func (p *definitionParts) templateText() (string, error) {
	encode := func(decls []ast.Decl) (string, error) {
		b, err := format.Node(&ast.File{Decls: decls}, format.Simplify())
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)) + "\n", nil
	}
	imports, err := encode(p.imports)
	if err != nil {
		return "", err
	}
	template, err := encode(p.template)
	if err != nil {
		return "", err
	}
	f, err := parser.ParseFile("-", imports+template, parser.ParseComments)
	if err != nil {
		return "", err
	}
	b, err := format.Node(f, format.Simplify())
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// extraFile parses text velahub adds (context, parameters) under a file name
// that diagnostics never show.
func extraFile(name, text string) (*ast.File, error) {
	return parser.ParseFile("velahub:"+name, text, parser.ParseComments)
}

// joined puts the decls of several parsed files into one file: KubeVela
// compiles a template and the text it adds (context, parameters) as one
// string, so they share one scope. Positions stay those of each source.
func joined(name string, files ...*ast.File) *ast.File {
	out := &ast.File{Filename: name}
	for _, f := range files {
		out.Imports = append(out.Imports, f.Imports...)
		for _, d := range f.Decls {
			if _, ok := d.(*ast.Package); ok {
				continue
			}
			out.Decls = append(out.Decls, d)
		}
	}
	return out
}

// build compiles files as one instance, resolving `vela/*` imports from the
// declarations KubeVela provides to templates and everything else from CUE's
// standard library.
func buildFiles(ctx *cue.Context, files ...*ast.File) (cue.Value, error) {
	bctx := build.NewContext()
	inst := bctx.NewInstance("", velaPackages(bctx))
	for _, f := range files {
		// Files put together from declarations (joined, the template of a
		// definition) carry their import declarations but not the file's
		// import list, which is what resolving imports reads.
		if len(f.Imports) == 0 {
			for _, d := range f.Decls {
				if imp, ok := d.(*ast.ImportDecl); ok {
					f.Imports = append(f.Imports, imp.Specs...)
				}
			}
		}
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, err
		}
	}
	// Complete resolves the files' imports through the loader; without it
	// every import is taken for a builtin and vela/* is "undefined".
	if err := inst.Complete(); err != nil {
		// CUE wraps a failed import as "import failed"; the loader's own
		// error underneath says which package and what is available.
		var inner cueerrors.Error
		if errors.As(errors.Unwrap(err), &inner) {
			return cue.Value{}, inner
		}
		return cue.Value{}, err
	}
	v := ctx.BuildInstance(inst)
	return v, v.Err()
}

// velaPackages resolves the `vela/...` import paths KubeVela gives templates.
func velaPackages(bctx *build.Context) build.LoadFunc {
	var load build.LoadFunc
	load = func(pos token.Pos, importPath string) *build.Instance {
		if !strings.HasPrefix(importPath, "vela/") {
			if !strings.Contains(strings.Split(importPath, "/")[0], ".") {
				return nil // CUE's standard library: the runtime has it.
			}
			inst := bctx.NewInstance("", nil)
			inst.Err = cueerrors.Newf(pos, "package %q is not available: definitions may import CUE's standard library and KubeVela's vela/* packages (%s)", importPath, strings.Join(velaPackageNames(), ", "))
			return inst
		}
		src, ok := velaPackageSource(importPath)
		inst := bctx.NewInstance(importPath, load)
		if !ok {
			inst.Err = cueerrors.Newf(pos, "package %q is not one KubeVela provides to templates (%s)", importPath, strings.Join(velaPackageNames(), ", "))
			return inst
		}
		inst.ImportPath = importPath
		inst.PkgName = path.Base(importPath)
		if err := inst.AddFile("velahub:"+importPath+".cue", src); err != nil {
			inst.Err = cueerrors.Promote(err, "")
			return inst
		}
		if err := inst.Complete(); err != nil {
			inst.Err = cueerrors.Promote(err, "")
		}
		return inst
	}
	return load
}

// inspect evaluates a definition file: header, template text, and the
// parameter schema generated as KubeVela generates it.
func inspect(file, source string, withRefs bool) (interface{}, error) {
	parts, err := splitDefinition(file, source)
	if err != nil {
		return nil, err
	}
	ctx := cuecontext.New()

	headerVal := ctx.BuildFile(&ast.File{Decls: parts.header})
	if err := headerVal.Err(); err != nil {
		return nil, failure{toDiagnostics(err, "definition-header")}
	}
	header := headerVal.LookupPath(cue.MakePath(cue.Str(parts.name)))
	headerJSON, err := header.MarshalJSON()
	if err != nil {
		return nil, failure{toDiagnostics(err, "definition-header")}
	}

	text, err := parts.templateText()
	if err != nil {
		return nil, err
	}
	v, err := parts.build(ctx)
	if err != nil {
		return nil, err
	}
	if err := v.Validate(); err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	doc, schema, schemaErr := genOpenAPI(ctx, v)
	res := map[string]interface{}{
		"name":     parts.name,
		"header":   json.RawMessage(headerJSON),
		"template": text,
	}
	if schemaErr != nil {
		res["schemaError"] = schemaErr.Error()
	} else {
		res["openapi"] = json.RawMessage(doc)
		res["schema"] = schema
		if withRefs {
			if refs := refsOpenAPI(ctx, v); refs != nil {
				res["openapiRefs"] = json.RawMessage(refs)
			}
		}
	}
	return res, nil
}

// genOpenAPI follows KubeVela's common.GenOpenAPI: `parameter` filled into
// `#parameter` of an empty value, openapi.Gen with ExpandReferences, then
// pkg/schema's FixOpenAPISchema on components.schemas.parameter.
func genOpenAPI(ctx *cue.Context, v cue.Value) (doc []byte, schema interface{}, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid cue definition to generate open api: %v", r)
		}
	}()
	paramPath := cue.MakePath(cue.Def("parameter"))
	only := ctx.CompileString("#parameter: {}")
	if p := v.LookupPath(cue.ParsePath("parameter")); p.Exists() && p.IncompleteKind() != cue.BottomKind {
		only = ctx.CompileString("{}").FillPath(paramPath, p)
	}
	doc, err = openapi.Gen(only, &openapi.Config{ExpandReferences: true})
	if err != nil {
		return nil, nil, err
	}
	var parsed struct {
		Components struct {
			Schemas map[string]interface{} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		return nil, nil, err
	}
	param, ok := parsed.Components.Schemas["parameter"].(map[string]interface{})
	if !ok {
		return nil, nil, fmt.Errorf("cannot generate OpenAPI v3 JSON schema for capability: no parameter schema")
	}
	fixSchema("", param)
	dropNullDefaults(param)
	return doc, param, nil
}

// refsOpenAPI is the same document with references kept: which fields are a
// named #Def (for the docs' tables), which the expanded one no longer says.
func refsOpenAPI(ctx *cue.Context, v cue.Value) (doc []byte) {
	defer func() {
		if recover() != nil {
			doc = nil
		}
	}()
	p := v.LookupPath(cue.ParsePath("parameter"))
	if !p.Exists() {
		return nil
	}
	doc, err := openapi.Gen(ctx.CompileString("{}").FillPath(cue.MakePath(cue.Def("parameter")), p), &openapi.Config{ExpandReferences: false})
	if err != nil {
		return nil
	}
	return doc
}

// fixSchema is KubeVela's FixOpenAPISchema: every property gets its name as
// title, and a description keeps only the text after `+usage=` and before `+short`.
func fixSchema(name string, s map[string]interface{}) {
	switch s["type"] {
	case "object":
		if props, ok := s["properties"].(map[string]interface{}); ok {
			for k, v := range props {
				if m, ok := v.(map[string]interface{}); ok {
					fixSchema(k, m)
				}
			}
		}
	case "array":
		if items, ok := s["items"].(map[string]interface{}); ok {
			fixSchema("", items)
		}
	}
	if name != "" {
		s["title"] = name
	}
	desc, _ := s["description"].(string)
	if strings.Contains(desc, "+usage=") {
		desc = strings.SplitN(desc, "+usage=", 2)[1]
	}
	if strings.Contains(desc, "+short") {
		desc = strings.TrimSpace(strings.SplitN(desc, "+short", 2)[0])
	}
	if desc == "" {
		delete(s, "description")
	} else {
		s["description"] = desc
	}
}

// dropNullDefaults removes `default: null` everywhere: KubeVela stores the
// schema after a round trip through kin-openapi, whose Schema omits a nil default.
func dropNullDefaults(node interface{}) {
	switch n := node.(type) {
	case map[string]interface{}:
		if d, ok := n["default"]; ok && d == nil {
			delete(n, "default")
		}
		for _, v := range n {
			dropNullDefaults(v)
		}
	case []interface{}:
		for _, v := range n {
			dropNullDefaults(v)
		}
	}
}

// render evaluates a definition's template with parameters and context, and
// exports output, outputs and patch as KubeVela would apply them.
func render(file, source string, params, context json.RawMessage) (interface{}, error) {
	parts, err := splitDefinition(file, source)
	if err != nil {
		return nil, err
	}
	ctx := cuecontext.New()
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	if len(context) == 0 {
		context = json.RawMessage("{}")
	}
	v, err := parts.build(ctx)
	if err != nil {
		return nil, failure{toDiagnostics(err, "render-error")}
	}
	// The values are filled in rather than compiled beside the template: the template's own
	// `parameter` field must stay the one its references were resolved to.
	pv := ctx.CompileBytes(params, cue.Filename("velahub:parameter.json"))
	if pv.Err() != nil {
		return nil, fail("parameter-invalid", "parameters are not valid JSON: %v", pv.Err())
	}
	cv := ctx.CompileBytes(context, cue.Filename("velahub:context.json"))
	if cv.Err() != nil {
		return nil, fail("context-invalid", "context is not valid JSON: %v", cv.Err())
	}
	v = v.FillPath(cue.ParsePath("context"), cv).FillPath(cue.ParsePath("parameter"), pv)
	// The parameters are checked first, so "parameter.x is required" leads the list; they are not exported.
	var problems []Diagnostic
	if p := v.LookupPath(cue.ParsePath("parameter")); p.Exists() {
		if err := p.Validate(cue.Concrete(true)); err != nil {
			problems = append(problems, toDiagnostics(err, "render-error")...)
		}
	}
	out, more := exportFields(v, "output", "outputs", "patch")
	if problems = append(problems, more...); len(problems) > 0 {
		return nil, failure{dedupe(problems)}
	}
	if p := v.LookupPath(cue.ParsePath("patch")); p.Exists() {
		syn := p.Syntax(cue.Docs(true), cue.Attributes(true))
		if b, err := format.Node(syn); err == nil {
			// The comments on the patch field itself (+patchStrategy=
			// jsonMergePatch|jsonPatch) are not part of its value's syntax;
			// the patch op reads them ahead of the struct.
			var doc strings.Builder
			for _, cg := range p.Doc() {
				for _, c := range cg.List {
					doc.WriteString(c.Text + "\n")
				}
			}
			out["patchSource"] = doc.String() + string(b)
		}
	}
	return out, nil
}

func dedupe(list []Diagnostic) []Diagnostic {
	seen := map[string]bool{}
	var out []Diagnostic
	for _, d := range list {
		key := d.File + ":" + strconv.Itoa(d.Line) + ":" + strconv.Itoa(d.Column) + ":" + d.Message
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}

// export evaluates a CUE file on its own and returns it as JSON, every value concrete.
func export(file, source string) (interface{}, error) {
	f, err := parser.ParseFile(file, source, parser.ParseComments)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	v, err := buildFiles(cuecontext.New(), f)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	return json.RawMessage(b), nil
}

// parameterFile generates the schema of an addon's parameter.cue the same way.
func parameterFile(file, source string) (interface{}, error) {
	f, err := parser.ParseFile(file, source, parser.ParseComments)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	ctx := cuecontext.New()
	v, err := buildFiles(ctx, f)
	if err != nil {
		return nil, failure{toDiagnostics(err, "cue-error")}
	}
	if p := v.LookupPath(cue.ParsePath("parameter")); !p.Exists() {
		return nil, fail("parameter-missing", `no top-level "parameter" field: parameter.cue declares parameter: { ... }`)
	}
	doc, schema, err := genOpenAPI(ctx, v)
	if err != nil {
		return map[string]interface{}{"schemaError": err.Error()}, nil
	}
	res := map[string]interface{}{"openapi": json.RawMessage(doc), "schema": schema}
	if refs := refsOpenAPI(ctx, v); refs != nil {
		res["openapiRefs"] = json.RawMessage(refs)
	}
	return res, nil
}

// sortedKeys is used where output order must not depend on Go's map order.
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
