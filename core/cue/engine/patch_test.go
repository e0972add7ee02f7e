package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const deployment = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web", "labels": {"app": "web", "old": "yes"}},
  "spec": {
    "replicas": 3,
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
    "template": {"spec": {"containers": [
      {"name": "app", "image": "nginx", "args": ["x", "y"], "env": [{"name": "A", "value": "1"}]},
      {"name": "log", "image": "fluentd"}
    ]}}
  }
}`

// runPatch sends the patch op through handle, as the host does.
func runPatch(t *testing.T, workload string, patch interface{}) (map[string]interface{}, []Diagnostic) {
	t.Helper()
	req, err := json.Marshal(map[string]interface{}{"op": "patch", "workload": json.RawMessage(workload), "patch": patch})
	if err != nil {
		t.Fatal(err)
	}
	var resp Response
	if err := json.Unmarshal([]byte(handle(string(req))), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) > 0 {
		return nil, resp.Diagnostics
	}
	var out map[string]interface{}
	if err := json.Unmarshal(resp.Result, &out); err != nil {
		t.Fatalf("result is not an object: %s", resp.Result)
	}
	return out, nil
}

// mustPatch runs the patch op and fails the test on any diagnostic.
func mustPatch(t *testing.T, workload string, patch interface{}) map[string]interface{} {
	t.Helper()
	out, diags := runPatch(t, workload, patch)
	if diags != nil {
		t.Fatalf("patch failed: %+v", diags)
	}
	return out
}

// jsonAt reads a path like "spec.template.spec.containers.0.env" from JSON.
func jsonAt(t *testing.T, v interface{}, path string) interface{} {
	t.Helper()
	for _, p := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]interface{}:
			v = c[p]
		case []interface{}:
			var i int
			if err := json.Unmarshal([]byte(p), &i); err != nil || i >= len(c) {
				t.Fatalf("%s: no item %s in %v", path, p, c)
			}
			v = c[i]
		default:
			t.Fatalf("%s: cannot index %T with %s", path, v, p)
		}
	}
	return v
}

// wantJSON compares JSON data with the expected JSON text.
func wantJSON(t *testing.T, got interface{}, want string) {
	t.Helper()
	var w interface{}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Fatalf("got  %s\nwant %s", g, want)
	}
}

// Containers merge by name, and their env lists by the inherited key.
func TestPatchKeyMergesContainersAndNestedEnv(t *testing.T) {
	out := mustPatch(t, deployment, `{
	spec: template: spec: {
		// +patchKey=name
		containers: [{
			name: "app"
			env: [{name: "B", value: "2"}]
		}, {
			name:  "sidecar"
			image: "busybox"
		}]
	}
}`)
	// env has no key of its own: it inherits name from containers.
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers"), `[
	  {"name": "app", "image": "nginx", "args": ["x", "y"], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
	  {"name": "log", "image": "fluentd"},
	  {"name": "sidecar", "image": "busybox"}
	]`)
	wantJSON(t, jsonAt(t, out, "spec.replicas"), `3`)
}

// A nested list with its own +patchKey merges inside the matched container only.
func TestPatchKeyOnNestedListOwnKey(t *testing.T) {
	out := mustPatch(t, deployment, `{
	spec: template: spec: {
		// +patchKey=name
		containers: [{
			name: "log"
			// +patchKey=name
			env: [{name: "LEVEL", value: "debug"}]
		}]
	}
}`)
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers.1"), `{"name": "log", "image": "fluentd", "env": [{"name": "LEVEL", "value": "debug"}]}`)
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers.0.env"), `[{"name": "A", "value": "1"}]`)
}

// Without +patchKey, lists unify item by item: a one-item list against the
// workload's two fails, and the error says how to merge instead.
func TestPatchWithoutKeyUnifiesListsByIndex(t *testing.T) {
	_, diags := runPatch(t, deployment, `{spec: template: spec: containers: [{name: "app", image: "nginx"}]}`)
	if diags == nil {
		t.Fatal("a list of another length unified without +patchKey")
	}
	if !strings.Contains(diags[0].Message, "patchKey") || !strings.Contains(diags[0].Path, "containers") {
		t.Fatalf("error should name containers and suggest +patchKey: %+v", diags)
	}
}

// A patch cannot change a value the workload sets; an equal value is fine.
func TestPatchConflictingPlainValue(t *testing.T) {
	_, diags := runPatch(t, deployment, `{spec: replicas: 5}`)
	if diags == nil {
		t.Fatal("replicas 3 and 5 unified")
	}
	d := diags[0]
	if d.Code != "patch-conflict" || d.Path != "spec.replicas" || !strings.Contains(d.Message, "conflicting values") || !strings.Contains(d.Message, "retainKeys") {
		t.Fatalf("want a patch-conflict on spec.replicas suggesting retainKeys: %+v", diags)
	}
	// The same value is no conflict.
	out := mustPatch(t, deployment, `{spec: replicas: 3, metadata: labels: extra: "1"}`)
	wantJSON(t, jsonAt(t, out, "metadata.labels"), `{"app": "web", "old": "yes", "extra": "1"}`)
}

// retainKeys on a struct or scalar field: the patch's value replaces the workload's.
func TestPatchStrategyRetainKeysOnField(t *testing.T) {
	out := mustPatch(t, deployment, `{
	spec: {
		// +patchStrategy=retainKeys
		strategy: {type: "Recreate"}
		// +patchStrategy=retainKeys
		replicas: 5
	}
}`)
	wantJSON(t, jsonAt(t, out, "spec.strategy"), `{"type": "Recreate"}`)
	wantJSON(t, jsonAt(t, out, "spec.replicas"), `5`)
}

// retainKeys on a keyed list: matched items are replaced, others kept.
func TestPatchStrategyRetainKeysOnKeyedList(t *testing.T) {
	out := mustPatch(t, deployment, `{
	spec: template: spec: {
		// +patchKey=name
		// +patchStrategy=retainKeys
		containers: [{name: "app", image: "nginx:2"}]
	}
}`)
	// The matched item is the patch's alone; the other is kept.
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers"), `[{"name": "app", "image": "nginx:2"}, {"name": "log", "image": "fluentd"}]`)
}

// replace on a list: the patch's list replaces the workload's.
func TestPatchStrategyReplace(t *testing.T) {
	out := mustPatch(t, deployment, `{
	spec: template: spec: {
		// +patchKey=name
		containers: [{
			name: "app"
			// +patchStrategy=replace
			args: ["serve", "--port=80", "-v"]
		}]
	}
}`)
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers.0.args"), `["serve", "--port=80", "-v"]`)
}

// jsonMergePatch on the patch: RFC 7396, null deletes, lists replaced whole.
func TestPatchStrategyJSONMergePatch(t *testing.T) {
	out := mustPatch(t, deployment, `// +patchStrategy=jsonMergePatch
{
	spec: replicas: 5
	metadata: labels: old: null
	spec: template: spec: containers: [{name: "only", image: "alpine"}]
}`)
	wantJSON(t, jsonAt(t, out, "spec.replicas"), `5`)
	wantJSON(t, jsonAt(t, out, "metadata.labels"), `{"app": "web"}`)
	// RFC 7396 replaces lists whole.
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers"), `[{"name": "only", "image": "alpine"}]`)
	wantJSON(t, jsonAt(t, out, "spec.strategy.rollingUpdate"), `{"maxSurge": 1}`)
}

// jsonPatch on the patch: RFC 6902 add (append and insert), replace, remove, and errors naming the operation.
func TestPatchStrategyJSONPatch(t *testing.T) {
	out := mustPatch(t, deployment, `// +patchStrategy=jsonPatch
{
	operations: [
		{op: "add", path: "/spec/template/spec/containers/-", value: {name: "sidecar", image: "busybox"}},
		{op: "add", path: "/spec/template/spec/containers/0/args/0", value: "first"},
		{op: "replace", path: "/spec/replicas", value: 1},
		{op: "remove", path: "/metadata/labels/old"},
	]
}`)
	wantJSON(t, jsonAt(t, out, "spec.replicas"), `1`)
	wantJSON(t, jsonAt(t, out, "metadata.labels"), `{"app": "web"}`)
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers.2"), `{"name": "sidecar", "image": "busybox"}`)
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers.0.args"), `["first", "x", "y"]`)

	_, diags := runPatch(t, deployment, `// +patchStrategy=jsonPatch
{operations: [{op: "replace", path: "/spec/paused", value: true}]}`)
	if diags == nil || !strings.Contains(diags[0].Message, "operations[0]") || !strings.Contains(diags[0].Message, "/spec/paused") {
		t.Fatalf("replace of a missing path should fail naming operations[0] and the path: %+v", diags)
	}
	_, diags = runPatch(t, deployment, `// +patchStrategy=jsonPatch
{ops: []}`)
	if diags == nil || !strings.Contains(diags[0].Message, "operations") {
		t.Fatalf("a jsonPatch without operations should say so: %+v", diags)
	}
}

// Bad workloads and patches are refused with their own codes; a JSON object patch is accepted.
func TestPatchBadInputs(t *testing.T) {
	if _, diags := runPatch(t, `[1]`, `{}`); diags == nil || diags[0].Code != "patch-workload" {
		t.Fatalf("a list workload was accepted: %+v", diags)
	}
	if _, diags := runPatch(t, deployment, `{spec: }`); diags == nil || diags[0].Code != "patch-invalid" {
		t.Fatalf("bad CUE in the patch was accepted: %+v", diags)
	}
	// A JSON object is a patch too (no comments, so plain unification).
	out, diags := runPatch(t, deployment, map[string]interface{}{"metadata": map[string]interface{}{"annotations": map[string]string{"a": "b"}}})
	if diags != nil {
		t.Fatalf("a JSON object patch failed: %+v", diags)
	}
	wantJSON(t, jsonAt(t, out, "metadata.annotations"), `{"a": "b"}`)
}

// render's patchSource carries the patch with its comments, including the
// ones on the patch field itself, and the patch op takes it as it is.
func TestRenderPatchSourceFeedsPatch(t *testing.T) {
	trait := `"sidecar": {
	type: "trait"
	attributes: appliesToWorkloads: ["deployments.apps"]
}
template: {
	patch: spec: template: spec: {
		// +patchKey=name
		containers: [{
			name:  parameter.name
			image: parameter.image
		}]
	}
	parameter: {
		name:  string
		image: *"busybox" | string
	}
}
`
	src := renderPatchSource(t, trait, `{"name": "sidecar"}`)
	if !strings.Contains(src, "+patchKey=name") {
		t.Fatalf("patchSource lost the +patchKey comment:\n%s", src)
	}
	out := mustPatch(t, deployment, src)
	wantJSON(t, jsonAt(t, out, "spec.template.spec.containers.2"), `{"name": "sidecar", "image": "busybox"}`)

	merge := `"scale": {
	type: "trait"
}
template: {
	// +patchStrategy=jsonMergePatch
	patch: {spec: replicas: parameter.replicas}
	parameter: replicas: int
}
`
	src = renderPatchSource(t, merge, `{"replicas": 7}`)
	if !strings.Contains(src, "+patchStrategy=jsonMergePatch") {
		t.Fatalf("patchSource lost the patch's own +patchStrategy:\n%s", src)
	}
	out = mustPatch(t, deployment, src)
	wantJSON(t, jsonAt(t, out, "spec.replicas"), `7`)
}

// renderPatchSource renders a trait and returns its patchSource.
func renderPatchSource(t *testing.T, def, params string) string {
	t.Helper()
	req, _ := json.Marshal(map[string]interface{}{"op": "render", "file": "trait.cue", "source": def, "parameters": json.RawMessage(params), "context": json.RawMessage(`{"name": "web"}`)})
	var resp Response
	json.Unmarshal([]byte(handle(string(req))), &resp)
	if len(resp.Diagnostics) > 0 {
		t.Fatalf("render failed: %+v", resp.Diagnostics)
	}
	var res struct {
		PatchSource string `json:"patchSource"`
	}
	json.Unmarshal(resp.Result, &res)
	if res.PatchSource == "" {
		t.Fatalf("render returned no patchSource: %s", resp.Result)
	}
	return res.PatchSource
}

// A +patchKey reaches the lists inside its field, not its siblings: here
// volumeMounts (under containers, which has no key) unify item by item.
func TestPatchKeyScopedToItsField(t *testing.T) {
	pod := `{"volumes": [{"name": "x1", "value": "v1"}, {"name": "x2", "value": "v2"}],
	  "containers": [{"volumeMounts": [{"name": "k1", "path": "p1"}, {"name": "k1", "path": "p2"}]}]}`
	out := mustPatch(t, pod, `{
	// +patchKey=name
	volumes: [{name: "x1", value: "v1"}, {name: "x3", value: "v3"}]
	containers: [{volumeMounts: [{name: "k1", path: "p1"}, {name: "k1", path: "p2"}]}]
}`)
	wantJSON(t, out, `{
	  "volumes": [{"name": "x1", "value": "v1"}, {"name": "x2", "value": "v2"}, {"name": "x3", "value": "v3"}],
	  "containers": [{"volumeMounts": [{"name": "k1", "path": "p1"}, {"name": "k1", "path": "p2"}]}]
	}`)
}

// A key may be a path into the items (envFrom by secretRef.name), and the
// whole of a field marked retainKeys is the patch's.
func TestPatchKeyPathAndRetainKeysStruct(t *testing.T) {
	pod := `{"kind": "Old", "metadata": {"name": "old", "labels": {"keep": "true"}},
	  "envFrom": [{"secretRef": {"name": "rds"}}]}`
	out := mustPatch(t, pod, `{
	// +patchStrategy=retainKeys
	kind: "New"
	metadata: {
		// +patchStrategy=retainKeys
		name: "new"
	}
	// +patchKey=secretRef.name
	envFrom: [{secretRef: {name: "redis"}}]
}`)
	wantJSON(t, out, `{"kind": "New", "metadata": {"name": "new", "labels": {"keep": "true"}},
	  "envFrom": [{"secretRef": {"name": "rds"}}, {"secretRef": {"name": "redis"}}]}`)
}
