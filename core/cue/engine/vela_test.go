package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// stepDef wraps a template body in a workflow-step definition file.
func stepDef(imports, body string) string {
	return "import (\n" + imports + "\n)\n\n\"t\": {\n\ttype: \"workflow-step\"\n\tdescription: \"test\"\n}\ntemplate: {\n" + body + "\n}\n"
}

// inspectOK runs the inspect op through handle, as the host does, and
// returns the parameter schema's properties.
func inspectOK(t *testing.T, name, source string) map[string]interface{} {
	t.Helper()
	req, _ := json.Marshal(map[string]string{"op": "inspect", "file": name, "source": source})
	var resp Response
	if err := json.Unmarshal([]byte(handle(string(req))), &resp); err != nil {
		t.Fatalf("%s: bad response: %v", name, err)
	}
	if len(resp.Diagnostics) > 0 {
		t.Fatalf("%s: inspect failed: %+v", name, resp.Diagnostics)
	}
	var res struct {
		Schema      map[string]interface{} `json:"schema"`
		SchemaError string                 `json:"schemaError"`
	}
	if err := json.Unmarshal(resp.Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.SchemaError != "" {
		t.Fatalf("%s: no schema: %s", name, res.SchemaError)
	}
	props, _ := res.Schema["properties"].(map[string]interface{})
	return props
}

// Each vela/* package is imported by a small definition that uses its
// actions the way KubeVela templates do; the definition must evaluate, its
// parameter schema come out, and a misuse of the package be reported.
func TestVelaPackagesImportedByDefinitions(t *testing.T) {
	cases := []struct {
		pkg, body, param string
	}{
		{"op", `apply: op.#Apply & {value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: parameter.name}}
wait: op.#ConditionalWait & {continue: apply.value.status != _|_}
get: op.#HTTPGet & {url: parameter.url}
body: get.response.body
deploy: op.#Deploy & {policies: [], parallelism: 5, ignoreTerraformComponent: true}
load: op.#Load
msg: op.#Steps & {fail: op.#Fail & {message: "x"}}
conv: op.#ConvertString & {bt: 'abc'}
cfg: op.#ListConfig & {template: "t", namespace: "vela-system"}
parameter: {name: string, url: *"http://x" | string}`, "url"},
		{"ql", `pods: ql.#CollectPods & {app: {name: parameter.app, namespace: "default"}}
ep: ql.#CollectServiceEndpoints & {app: {name: parameter.app, namespace: "default"}}
cm: ql.#Read & {value: {apiVersion: "v1", kind: "ConfigMap"}}
parameter: app: string`, "app"},
		{"kube", `apply: kube.#Apply & {$params: value: {apiVersion: "v1", kind: "ConfigMap"}}
read: kube.#Read & {$params: {cluster: parameter.cluster, value: apply.$params.value}}
list: kube.#List & {$params: resource: {apiVersion: "v1", kind: "Pod"}}
del: kube.#Delete & {$params: value: {apiVersion: "v1", kind: "Pod", metadata: name: "p"}}
parameter: cluster: *"" | string`, "cluster"},
		{"builtin", `wait: builtin.#ConditionalWait & {$params: continue: parameter.ready}
s: builtin.#Suspend & {$params: duration: "1m"}
v: builtin.#DoVar & {$params: {method: "Put", path: "a", value: 1}}
parameter: ready: *false | bool`, "ready"},
		{"http", `req: http.#HTTPPost & {$params: {url: parameter.url, request: body: "{}"}}
code: req.$returns.statusCode
parameter: url: string`, "url"},
		{"email", `send: email.#SendEmail & {$params: {from: parameter.from, to: ["a@b.c"], content: {subject: "s", body: "b"}}}
parameter: from: {address: string, password: string, host: string, port: *465 | int}`, "from"},
		{"config", `c: config.#CreateConfig & {$params: {name: parameter.name, namespace: "vela-system", config: {}}}
r: config.#ReadConfig & {$params: {name: parameter.name, namespace: "vela-system"}}
parameter: name: string`, "name"},
		{"metrics", `check: metrics.#PromCheck & {$params: {query: parameter.query, condition: ">1"}}
parameter: query: string`, "query"},
		{"time", `ts: time.#DateToTimestamp & {$params: date: parameter.date}
parameter: date: string`, "date"},
		{"util", `l: util.#Log & {$params: {data: parameter.msg, source: url: "http://x"}}
s: util.#ConvertString & {$params: bt: 'x'}
parameter: msg: string`, "msg"},
		{"multicluster", `d: multicluster.#Deploy & {$params: {policies: parameter.policies, parallelism: 5, ignoreTerraformComponent: true}}
parameter: policies: *[] | [...string]`, "policies"},
		{"oam", `c: oam.#ApplyComponent & {$params: value: {name: parameter.component}}
l: oam.#LoadComponets
parameter: component: string`, "component"},
		{"query", `q: query.#ListResourcesInApp & {$params: app: {name: parameter.app, namespace: "default"}}
parameter: app: string`, "app"},
		{"terraform", `s: terraform.#GetConnectionStatus & {$params: inputs: componentName: parameter.component}
parameter: component: string`, "component"},
		{"base64", `e: base64.#Encode & {$params: parameter.text}
parameter: text: string`, "text"},
	}
	provided := map[string]bool{}
	for _, n := range velaPackageNames() {
		provided[strings.TrimPrefix(n, "vela/")] = true
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			if !provided[c.pkg] {
				t.Fatalf("vela/%s is not embedded", c.pkg)
			}
			src := stepDef(`"vela/`+c.pkg+`"`, c.body)
			props := inspectOK(t, c.pkg+".cue", src)
			if _, ok := props[c.param]; !ok {
				t.Fatalf("parameter %q missing from schema: %v", c.param, props)
			}
			delete(provided, c.pkg)
		})
	}
	if len(provided) > 0 {
		t.Errorf("vela packages without a test definition: %v", provided)
	}
}

// A field the package declares with a type rejects a value of another type,
// and the error names the field: the declarations are real constraints, not
// open placeholders.
func TestVelaPackageConstraintsApply(t *testing.T) {
	src := stepDef(`"vela/op"`, `apply: op.#Apply & {cluster: 3, value: {}}
parameter: {}`)
	req, _ := json.Marshal(map[string]string{"op": "inspect", "file": "bad.cue", "source": src})
	var resp Response
	json.Unmarshal([]byte(handle(string(req))), &resp)
	if len(resp.Diagnostics) == 0 {
		t.Fatal("op.#Apply accepted cluster: 3; want a conflict with string")
	}
	d := resp.Diagnostics[0]
	if d.Path != "apply.cluster" {
		t.Fatalf("diagnostic should name the field apply.cluster: %+v", d)
	}

	src = stepDef(`"vela/kube"`, `r: kube.#Read & {$params: {value: {}, namespace: "x"}}
parameter: {}`)
	req, _ = json.Marshal(map[string]string{"op": "inspect", "file": "bad2.cue", "source": src})
	resp = Response{}
	json.Unmarshal([]byte(handle(string(req))), &resp)
	if len(resp.Diagnostics) == 0 {
		t.Fatal("kube.#Read accepted an undeclared $params field; its $params must be closed")
	}

	src = stepDef(`"vela/nosuch"`, `parameter: {}`)
	req, _ = json.Marshal(map[string]string{"op": "inspect", "file": "bad3.cue", "source": src})
	resp = Response{}
	json.Unmarshal([]byte(handle(string(req))), &resp)
	if len(resp.Diagnostics) == 0 || !strings.Contains(resp.Diagnostics[0].Message, "vela/op") {
		t.Fatalf("an unknown vela/* import should fail listing the packages provided: %+v", resp.Diagnostics)
	}
}

var velaImport = regexp.MustCompile(`"vela/[a-z0-9]+"`)

// newerCueRejects are catalog definitions that CUE v0.9 (KubeVela 1.10)
// accepts and CUE v0.14 (KubeVela 1.11) rejects: v0.9 skips the unused-import
// check for files without a package clause, as templates are, and v0.11
// removed list addition. Each maps to the error the newer line must give.
var newerCueRejects = map[string]string{
	"import-grafana-dashboard.cue":       "Addition of lists is superseded by list.Concat",
	"install-datasource-from-config.cue": `imported and not used: "strconv"`,
	"read-app.cue":                       `imported and not used: "encoding/yaml"`,
}

// catalogDirs are the addon trees whose definitions must evaluate: the
// bundled addons and the KubeVela community catalog checked out beside the
// repository (VELAHUB_CATALOG overrides where).
func catalogDirs() []string {
	repo, _ := filepath.Abs("../../..")
	dirs := []string{filepath.Join(repo, "addons")}
	for _, c := range []string{os.Getenv("VELAHUB_CATALOG"), filepath.Join(repo, "../shared/kubevela-catalog/addons"), "/work/shared/kubevela-catalog/addons"} {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			dirs = append(dirs, c)
			break
		}
	}
	return dirs
}

// Every definition in the catalogs that imports vela/* inspects, and its
// parameter schema comes out.
func TestCatalogDefinitionsImportingVela(t *testing.T) {
	var files []string
	for _, dir := range catalogDirs() {
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && strings.HasSuffix(p, ".cue") && filepath.Base(filepath.Dir(p)) == "definitions" {
				files = append(files, p)
			}
			return nil
		})
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !velaImport.Match(b) {
			continue
		}
		n++
		t.Run(f, func(t *testing.T) {
			want, known := newerCueRejects[filepath.Base(f)]
			if !known || strings.HasPrefix(cueVersion(), "v0.9.") {
				props := inspectOK(t, f, string(b))
				if len(props) == 0 {
					t.Fatalf("%s: the parameter schema has no properties", f)
				}
				return
			}
			// KubeVela 1.11's CUE rejects these for reasons of the language,
			// not of vela/*: the failure must be exactly that one.
			req, _ := json.Marshal(map[string]string{"op": "inspect", "file": f, "source": string(b)})
			var resp Response
			json.Unmarshal([]byte(handle(string(req))), &resp)
			if len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Message, want) || resp.Diagnostics[0].File != f {
				t.Fatalf("CUE %s: want the one error %q in %s, got %+v", cueVersion(), want, f, resp.Diagnostics)
			}
			t.Logf("CUE %s rejects it as expected: %s (line %d)", cueVersion(), resp.Diagnostics[0].Message, resp.Diagnostics[0].Line)
		})
	}
	if n == 0 {
		t.Skip("no catalog definition importing vela/* found (set VELAHUB_CATALOG)")
	}
	t.Logf("%d definitions importing vela/* evaluated", n)
}

// The engine's CUE line, as the definitions' results depend on it.
func TestCueLineKnown(t *testing.T) {
	if v := cueVersion(); !strings.HasPrefix(v, "v0.") {
		t.Fatalf("cueVersion() = %q in tests; want the cuelang.org/go version", v)
	}
}

// The schema of a definition built on op.#Deploy is the one of its own
// parameter: required and defaulted fields as declared.
func TestVelaOpDefinitionSchema(t *testing.T) {
	src := stepDef(`"vela/op"`, `deploy: op.#Deploy & {
	policies: parameter.policies
	parallelism: parameter.parallelism
	ignoreTerraformComponent: true
}
parameter: {
	// +usage=Declare the policies used for this deployment.
	policies: *[] | [...string]
	// +usage=Maximum number of concurrent delivered components.
	parallelism: *5 | int
	weight: int
}`)
	req, _ := json.Marshal(map[string]string{"op": "inspect", "file": "deploy.cue", "source": src})
	var resp Response
	json.Unmarshal([]byte(handle(string(req))), &resp)
	if len(resp.Diagnostics) > 0 {
		t.Fatalf("inspect failed: %+v", resp.Diagnostics)
	}
	var res struct {
		Schema struct {
			Required   []string                          `json:"required"`
			Properties map[string]map[string]interface{} `json:"properties"`
		} `json:"schema"`
	}
	json.Unmarshal(resp.Result, &res)
	if got := res.Schema.Properties["parallelism"]["default"]; got != float64(5) {
		t.Errorf("parallelism default = %v, want 5", got)
	}
	if got := res.Schema.Properties["policies"]["description"]; got != "Declare the policies used for this deployment." {
		t.Errorf("policies description = %v", got)
	}
	// CUE's OpenAPI encoder lists every non-optional field, defaulted or not.
	if strings.Join(res.Schema.Required, ",") != "policies,parallelism,weight" {
		t.Errorf("required = %v, want [policies parallelism weight]", res.Schema.Required)
	}
}
