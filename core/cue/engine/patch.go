package main

// Trait patches merged into a workload the way KubeVela merges them
// (pkg/cue/model/sets StrategyUnify): plain CUE unification, except where
// comments in the patch say otherwise:
//
//   // +patchKey=name            on a list field: merge its items with the
//                                workload's by that key (inherited by the
//                                lists below it, e.g. containers then env)
//   // +patchStrategy=replace     on a list field: the patch's list replaces it
//   // +patchStrategy=retainKeys  on a field: the patch's value replaces the
//                                workload's (on a keyed list: each matched item)
//   // +patchStrategy=jsonMergePatch  on the patch itself: RFC 7396 merge
//   // +patchStrategy=jsonPatch       on the patch itself: RFC 6902 operations
//                                     in its `operations` list
//
// A comment stays on its field only when the field's value is written in
// braces: CUE hands the comment of `a: b: 1` to b. KubeVela reads the tags
// from the same CUE syntax, so it sees them where this code does.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

const (
	tagPatchKey      = "patchKey"
	tagPatchStrategy = "patchStrategy"

	strategyRetainKeys     = "retainKeys"
	strategyReplace        = "replace"
	strategyJSONPatch      = "jsonPatch"
	strategyJSONMergePatch = "jsonMergePatch"
)

// applyPatch merges a trait's patch into a workload. workload is a JSON
// object; patch is the CUE source of the patch struct with its comments (a
// JSON string), or a JSON object when no strategy comments are needed.
func applyPatch(workload, patch json.RawMessage) (interface{}, error) {
	var base map[string]interface{}
	if err := json.Unmarshal(workload, &base); err != nil || base == nil {
		return nil, fail("patch-workload", "workload must be a JSON object (the component's rendered output): %v", errOrNull(err))
	}
	var source string
	if err := json.Unmarshal(patch, &source); err != nil {
		// Not a string: a JSON object is CUE too, only without comments.
		var obj map[string]interface{}
		if err := json.Unmarshal(patch, &obj); err != nil || obj == nil {
			return nil, fail("patch-invalid", `patch must be the CUE source of the trait's patch as a string (e.g. render's "patchSource"), or a JSON object`)
		}
		source = string(patch)
	}

	ctx := cuecontext.New()
	patchFile, docTags, err := parsePatch(source)
	if err != nil {
		return nil, err
	}
	patchVal := ctx.BuildFile(patchFile)
	if err := patchVal.Err(); err != nil {
		return nil, failure{toDiagnostics(err, "patch-invalid")}
	}

	switch s := docTags[tagPatchStrategy]; s {
	case strategyJSONMergePatch:
		p, err := concreteJSON(patchVal, "patch")
		if err != nil {
			return nil, err
		}
		return mergePatch(base, p), nil
	case strategyJSONPatch:
		ops := patchVal.LookupPath(cue.ParsePath("operations"))
		if !ops.Exists() {
			return nil, fail("patch-invalid", `+patchStrategy=jsonPatch: the patch needs "operations: [...]", a list of RFC 6902 operations like {op: "add", path: "/spec/replicas", value: 2}`)
		}
		p, err := concreteJSON(ops, "operations")
		if err != nil {
			return nil, err
		}
		list, ok := p.([]interface{})
		if !ok {
			return nil, fail("patch-invalid", "+patchStrategy=jsonPatch: operations must be a list of RFC 6902 operations")
		}
		return jsonPatch(base, list)
	case "", strategyRetainKeys, strategyReplace:
	default:
		return nil, fail("patch-invalid", "unknown +patchStrategy=%s on the patch: use jsonMergePatch or jsonPatch there (retainKeys and replace go on a field)", s)
	}
	return strategyUnify(ctx, workload, patchVal)
}

// errOrNull names why a workload was refused: a parse error, or null.
func errOrNull(err error) string {
	if err != nil {
		return err.Error()
	}
	return "got null"
}

// parsePatch reads the patch source: either a struct literal (what render's
// patchSource holds) or the patch's fields at top level. Comments before the
// struct, or standing apart from the fields, are the patch's own doc, where
// KubeVela looks for jsonMergePatch and jsonPatch.
func parsePatch(source string) (*ast.File, map[string]string, error) {
	f, err := parser.ParseFile("patch.cue", source, parser.ParseComments)
	if err != nil {
		return nil, nil, failure{toDiagnostics(err, "patch-invalid")}
	}
	var doc []*ast.CommentGroup
	doc = append(doc, f.Comments()...)
	if len(f.Decls) == 1 {
		if emb, ok := f.Decls[0].(*ast.EmbedDecl); ok {
			if s, ok := emb.Expr.(*ast.StructLit); ok {
				doc = append(doc, ast.Comments(emb)...)
				doc = append(doc, ast.Comments(s)...)
				f = &ast.File{Filename: f.Filename, Decls: s.Elts}
			}
		}
	}
	for _, d := range f.Decls {
		if cg, ok := d.(*ast.CommentGroup); ok {
			doc = append(doc, cg)
		}
	}
	return f, findCommentTags(doc), nil
}

// findCommentTags collects `+key=value` lines of comments, as KubeVela's
// findCommentTag does (a value with spaces is not a tag).
func findCommentTags(groups []*ast.CommentGroup) map[string]string {
	tags := map[string]string{}
	for _, g := range groups {
		for _, c := range g.List {
			line := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
			if !strings.HasPrefix(line, "+") {
				continue
			}
			kv := strings.SplitN(line[1:], "=", 2)
			if len(kv) != 2 {
				continue
			}
			v := strings.TrimSpace(kv[1])
			if len(strings.Fields(v)) > 1 {
				continue
			}
			tags[strings.TrimSpace(kv[0])] = v
		}
	}
	return tags
}

// concreteJSON exports a value that must be plain data.
func concreteJSON(v cue.Value, what string) (interface{}, error) {
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, failure{toDiagnostics(err, "patch-invalid")}
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, failure{toDiagnostics(err, "patch-invalid")}
	}
	var out interface{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fail("patch-invalid", "%s: %v", what, err)
	}
	return out, nil
}

// strategyUnify rewrites the workload and the patch syntax by the patch's
// +patchKey / +patchStrategy comments, then unifies them with CUE.
func strategyUnify(ctx *cue.Context, workload json.RawMessage, patchVal cue.Value) (interface{}, error) {
	baseFile, err := parser.ParseFile("workload.json", []byte(workload))
	if err != nil {
		return nil, fail("patch-workload", "workload: %v", err)
	}
	baseFile = structFile(baseFile)
	// Lists of the workload stay open, so a patch may add items to them.
	openLists(baseFile)

	// As KubeVela does, merge the patch as CUE prints it: references
	// resolved, comments kept.
	syn := patchVal.Syntax(cue.Docs(true), cue.ResolveReferences(true))
	patchFile := toFile(syn)

	w := &patchWalker{base: baseFile, tags: map[string]string{}}
	w.walk(patchFile, nil)

	ret := ctx.BuildFile(baseFile).Unify(ctx.BuildFile(patchFile))
	if err := ret.Err(); err != nil {
		return nil, failure{conflictHints(toDiagnostics(err, "patch-conflict"))}
	}
	if err := ret.Validate(cue.Concrete(true)); err != nil {
		return nil, failure{conflictHints(toDiagnostics(err, "patch-conflict"))}
	}
	b, err := ret.MarshalJSON()
	if err != nil {
		return nil, failure{conflictHints(toDiagnostics(err, "patch-conflict"))}
	}
	return json.RawMessage(b), nil
}

// conflictHints says what would work where a patch fights the workload.
func conflictHints(diags []Diagnostic) []Diagnostic {
	for i, d := range diags {
		switch {
		case strings.Contains(d.Message, "conflicting values"):
			diags[i].Message += " (a trait patch unifies with the workload and cannot change a value it sets: mark the parent field // +patchStrategy=retainKeys, or the whole patch // +patchStrategy=jsonMergePatch, to override)"
		case strings.Contains(d.Message, "incompatible list lengths"):
			diags[i].Message += " (lists are unified item by item: mark the list // +patchKey=<field> to merge items by a key, or // +patchStrategy=replace to replace it)"
		}
	}
	return diags
}

// structFile turns `{...}` (how JSON parses) into a file of its fields.
func structFile(f *ast.File) *ast.File {
	if len(f.Decls) == 1 {
		if emb, ok := f.Decls[0].(*ast.EmbedDecl); ok {
			if s, ok := emb.Expr.(*ast.StructLit); ok {
				return &ast.File{Filename: f.Filename, Decls: s.Elts}
			}
		}
	}
	return f
}

// toFile gives the patch syntax as a file of fields, like KubeVela's ToFile.
func toFile(n ast.Node) *ast.File {
	switch x := n.(type) {
	case *ast.File:
		return x
	case *ast.StructLit:
		var decls []ast.Decl
		for _, e := range x.Elts {
			if _, ok := e.(*ast.Ellipsis); !ok {
				decls = append(decls, e)
			}
		}
		return &ast.File{Decls: decls}
	case ast.Expr:
		return &ast.File{Decls: []ast.Decl{&ast.EmbedDecl{Expr: x}}}
	}
	return &ast.File{}
}

// openLists appends `...` to every list of the workload, as KubeVela's
// OpenListLit does, so patch lists may be longer.
func openLists(n ast.Node) {
	switch v := n.(type) {
	case *ast.File:
		for _, d := range v.Decls {
			openLists(d)
		}
	case *ast.Field:
		openLists(v.Value)
	case *ast.StructLit:
		for _, e := range v.Elts {
			openLists(e)
		}
	case *ast.EmbedDecl:
		openLists(v.Expr)
	case *ast.ListLit:
		for _, e := range v.Elts {
			openLists(e)
		}
		if len(v.Elts) > 0 {
			if _, ok := v.Elts[len(v.Elts)-1].(*ast.Ellipsis); !ok {
				v.Elts = append(v.Elts, &ast.Ellipsis{})
			}
		}
	}
}

// patchWalker visits the patch's fields in order, rewriting the workload
// and the patch lists before they are unified.
type patchWalker struct {
	base ast.Node
	// tags carries +patchKey from a field down to the lists inside it (a
	// container's env merges by the containers' key); siblings do not see
	// each other's tags, as KubeVela's own tests of its walker expect.
	tags map[string]string
}

// walk visits n at path pos, applying each field's strategy before its
// value is visited (so nested lists see their parents already lined up).
func (w *patchWalker) walk(n ast.Node, pos []string) {
	switch v := n.(type) {
	case *ast.File:
		for _, d := range v.Decls {
			w.walk(d, pos)
		}
	case *ast.Field:
		label := labelName(v.Label)
		if label == "" || strings.HasPrefix(label, "#") || v.Value == nil {
			return
		}
		w.field(v, label, pos)
		outer := w.tags
		if own := findCommentTags(ast.Comments(v)); len(own) > 0 {
			w.tags = map[string]string{}
			for k, val := range outer {
				w.tags[k] = val
			}
			for k, val := range own {
				w.tags[k] = val
			}
		}
		w.walk(v.Value, appendPath(pos, label))
		w.tags = outer
	case *ast.StructLit:
		for _, e := range v.Elts {
			w.walk(e, pos)
		}
	case *ast.ListLit:
		for i, e := range v.Elts {
			w.walk(e, appendPath(pos, strconv.Itoa(i)))
		}
	case *ast.BinaryExpr:
		w.walk(v.X, pos)
		w.walk(v.Y, pos)
	case *ast.EmbedDecl:
		w.walk(v.Expr, pos)
	case *ast.Comprehension:
		w.walk(v.Value, pos)
	case *ast.CallExpr:
		if isClose(v) {
			w.walk(v.Args[0], pos)
			return
		}
		for i, a := range v.Args {
			w.walk(a, appendPath(pos, strconv.Itoa(i)))
		}
	}
}

// appendPath extends a path without sharing the caller's backing array.
func appendPath(pos []string, s string) []string {
	out := make([]string, len(pos)+1)
	copy(out, pos)
	out[len(pos)] = s
	return out
}

// field applies the strategy of one patch field to the workload.
func (w *patchWalker) field(f *ast.Field, label string, pos []string) {
	own := findCommentTags(ast.Comments(f))
	switch val := peelClose(f.Value).(type) {
	case *ast.ListLit:
		key := w.tags[tagPatchKey]
		if k, ok := own[tagPatchKey]; ok {
			key = k
		}
		baseNode, found := lookUp(w.base, appendPath(pos, label)...)
		if !found {
			return // the workload has no such list: the patch adds it
		}
		baseList, ok := baseNode.(*ast.ListLit)
		if !ok {
			return
		}
		if own[tagPatchStrategy] == strategyReplace {
			baseList.Elts = val.Elts
		} else if key != "" {
			mergeListByKey(key, own[tagPatchStrategy] == strategyRetainKeys, baseList, val)
		}
	default:
		if own[tagPatchStrategy] != strategyRetainKeys {
			return
		}
		parent, found := lookUp(w.base, pos...)
		if !found {
			return
		}
		var decls []ast.Decl
		switch p := parent.(type) {
		case *ast.StructLit:
			decls = p.Elts
		case *ast.File:
			decls = p.Decls
		}
		for _, d := range decls {
			if bf, ok := d.(*ast.Field); ok && labelName(bf.Label) == label {
				bf.Value = f.Value
			}
		}
	}
}

// mergeListByKey lines the patch list up with the workload's: a patch item
// whose key matches a workload item goes at that item's index, an empty
// struct stands in for unmatched workload items, and patch items matching
// none are appended. The patch list is left open like the workload's, so
// unification merges item by item. Keys are tried in turn ("a,b"); as in
// KubeVela, a key no patch item has leaves the lists to plain unification,
// and a key that is not a literal stops the merge.
func mergeListByKey(keys string, retain bool, baseList, patchList *ast.ListLit) {
	matched := map[string]ast.Expr{}
	var lined []ast.Expr
	for _, key := range strings.Split(keys, ",") {
		path := strings.Split(key, ".")
		found := false
		for _, e := range patchList.Elts {
			if _, ok := e.(*ast.Ellipsis); ok {
				continue
			}
			n, ok := lookUp(e, path...)
			if !ok {
				continue
			}
			found = true
			lit, ok := n.(*ast.BasicLit)
			if !ok {
				return
			}
			matched[key+"="+lit.Value] = e
		}
		if !found {
			if len(patchList.Elts) == 0 {
				continue
			}
			return
		}
		for i, e := range baseList.Elts {
			if _, ok := e.(*ast.Ellipsis); ok {
				continue
			}
			n, ok := lookUp(e, path...)
			if !ok {
				continue
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok {
				return
			}
			k := key + "=" + lit.Value
			if p, ok := matched[k]; ok {
				if retain {
					baseList.Elts[i] = ast.NewStruct()
				}
				lined = append(lined, p)
				delete(matched, k)
			} else {
				lined = append(lined, ast.NewStruct())
			}
		}
	}
	for _, e := range patchList.Elts {
		for _, p := range matched {
			if e == p {
				lined = append(lined, p)
				break
			}
		}
	}
	patchList.Elts = append(lined, &ast.Ellipsis{})
}

// lookUp follows a path of field names and list indexes through syntax.
func lookUp(n ast.Node, path ...string) (ast.Node, bool) {
	n = peelClose(n)
	if len(path) == 0 {
		return n, true
	}
	key := path[0]
	switch x := n.(type) {
	case *ast.File:
		for _, d := range x.Decls {
			if f, ok := d.(*ast.Field); ok && labelName(f.Label) == key {
				return lookUp(f.Value, path[1:]...)
			}
		}
	case *ast.StructLit:
		for _, d := range x.Elts {
			if f, ok := d.(*ast.Field); ok && labelName(f.Label) == key {
				return lookUp(f.Value, path[1:]...)
			}
		}
	case *ast.ListLit:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(x.Elts) {
			return lookUp(x.Elts[i], path[1:]...)
		}
	}
	return nil, false
}

// labelName compares labels by name, so that `name` and `"name"` (how JSON
// spells it) are one field.
func labelName(l ast.Label) string {
	name, _, err := ast.LabelName(l)
	if err != nil {
		return ""
	}
	return name
}

// isClose reports a call of close(x), which patches see through.
func isClose(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	return ok && id.Name == "close" && len(c.Args) == 1
}

// peelClose returns x for close(x), else n.
func peelClose(n ast.Node) ast.Node {
	if c, ok := n.(*ast.CallExpr); ok && isClose(c) {
		return c.Args[0]
	}
	return n
}

// mergePatch is RFC 7396 JSON Merge Patch: objects merge key by key, null
// deletes a key, anything else replaces.
func mergePatch(target, patch interface{}) interface{} {
	p, ok := patch.(map[string]interface{})
	if !ok {
		return patch
	}
	t, ok := target.(map[string]interface{})
	if !ok {
		t = map[string]interface{}{}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p[k] == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], p[k])
	}
	return t
}

// jsonPatch applies RFC 6902 operations in order; the first that cannot
// apply fails the patch, naming its index and path.
func jsonPatch(doc interface{}, ops []interface{}) (interface{}, error) {
	for i, raw := range ops {
		op, ok := raw.(map[string]interface{})
		if !ok {
			return nil, fail("patch-json", "operations[%d] must be an object like {op: \"add\", path: \"/spec/replicas\", value: 2}", i)
		}
		name, _ := op["op"].(string)
		path, hasPath := op["path"].(string)
		if !hasPath {
			return nil, fail("patch-json", "operations[%d] (%s) needs a path, a JSON pointer like \"/spec/replicas\"", i, name)
		}
		ptr, err := parsePointer(path)
		if err != nil {
			return nil, fail("patch-json", "operations[%d].path %q: %v", i, path, err)
		}
		value, hasValue := op["value"]
		switch name {
		case "add", "replace", "test":
			if !hasValue {
				return nil, fail("patch-json", "operations[%d] (%s %s) needs a value", i, name, path)
			}
		}
		switch name {
		case "add":
			doc, err = pointerAdd(doc, ptr, value)
		case "remove":
			doc, _, err = pointerRemove(doc, ptr)
		case "replace":
			if _, err = pointerGet(doc, ptr); err == nil {
				doc, _, err = pointerRemove(doc, ptr)
				if err == nil {
					doc, err = pointerAdd(doc, ptr, value)
				}
			}
		case "move", "copy":
			from, ok := op["from"].(string)
			if !ok {
				return nil, fail("patch-json", "operations[%d] (%s %s) needs from, a JSON pointer", i, name, path)
			}
			fptr, ferr := parsePointer(from)
			if ferr != nil {
				return nil, fail("patch-json", "operations[%d].from %q: %v", i, from, ferr)
			}
			var v interface{}
			if name == "move" {
				doc, v, err = pointerRemove(doc, fptr)
			} else if v, err = pointerGet(doc, fptr); err == nil {
				v = deepCopy(v)
			}
			if err == nil {
				doc, err = pointerAdd(doc, ptr, v)
			}
		case "test":
			var got interface{}
			if got, err = pointerGet(doc, ptr); err == nil && !jsonEqual(got, value) {
				err = fmt.Errorf("test failed: the value there is %s, not %s", mustJSON(got), mustJSON(value))
			}
		default:
			return nil, fail("patch-json", "operations[%d]: unknown op %q: use add, remove, replace, move, copy or test", i, name)
		}
		if err != nil {
			return nil, fail("patch-json", "operations[%d] (%s %s): %v", i, name, path, err)
		}
	}
	return doc, nil
}

// parsePointer splits an RFC 6901 JSON pointer into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("a JSON pointer starts with /")
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// listIndex reads a pointer token as an index into a list of n items;
// allowEnd admits "-" and n, where add appends.
func listIndex(s string, n int, allowEnd bool) (int, error) {
	if allowEnd && s == "-" {
		return n, nil
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || (s != "0" && strings.HasPrefix(s, "0")) {
		return 0, fmt.Errorf("%q is not a list index", s)
	}
	max := n - 1
	if allowEnd {
		max = n
	}
	if i > max {
		return 0, fmt.Errorf("index %d is out of range: the list has %d items", i, n)
	}
	return i, nil
}

// pointerGet returns the value at ptr, or says which part is missing.
func pointerGet(doc interface{}, ptr []string) (interface{}, error) {
	cur := doc
	for i, s := range ptr {
		switch c := cur.(type) {
		case map[string]interface{}:
			v, ok := c[s]
			if !ok {
				return nil, fmt.Errorf("/%s does not exist", strings.Join(ptr[:i+1], "/"))
			}
			cur = v
		case []interface{}:
			idx, err := listIndex(s, len(c), false)
			if err != nil {
				return nil, err
			}
			cur = c[idx]
		default:
			return nil, fmt.Errorf("/%s is not an object or list", strings.Join(ptr[:i], "/"))
		}
	}
	return cur, nil
}

// pointerParent returns the object or list holding ptr's last token (ptr is
// not empty), and that token: add, remove and set differ only in what they do there.
func pointerParent(doc interface{}, ptr []string) (interface{}, string, error) {
	parent, err := pointerGet(doc, ptr[:len(ptr)-1])
	if err != nil {
		return nil, "", err
	}
	return parent, ptr[len(ptr)-1], nil
}

// pointerAdd sets or inserts value at ptr, returning the (possibly new) document.
func pointerAdd(doc interface{}, ptr []string, value interface{}) (interface{}, error) {
	if len(ptr) == 0 {
		return value, nil
	}
	parent, last, err := pointerParent(doc, ptr)
	if err != nil {
		return nil, err
	}
	switch p := parent.(type) {
	case map[string]interface{}:
		p[last] = value
		return doc, nil
	case []interface{}:
		idx, err := listIndex(last, len(p), true)
		if err != nil {
			return nil, err
		}
		grown := append(p[:idx:idx], append([]interface{}{value}, p[idx:]...)...)
		return pointerSet(doc, ptr[:len(ptr)-1], grown)
	}
	return nil, fmt.Errorf("the parent of %s is not an object or list", "/"+strings.Join(ptr, "/"))
}

// pointerRemove deletes what is at ptr and returns it.
func pointerRemove(doc interface{}, ptr []string) (interface{}, interface{}, error) {
	if len(ptr) == 0 {
		return nil, nil, fmt.Errorf("cannot remove the whole document")
	}
	parent, last, err := pointerParent(doc, ptr)
	if err != nil {
		return nil, nil, err
	}
	switch p := parent.(type) {
	case map[string]interface{}:
		v, ok := p[last]
		if !ok {
			return nil, nil, fmt.Errorf("/%s does not exist", strings.Join(ptr, "/"))
		}
		delete(p, last)
		return doc, v, nil
	case []interface{}:
		idx, err := listIndex(last, len(p), false)
		if err != nil {
			return nil, nil, err
		}
		v := p[idx]
		shrunk := append(append([]interface{}{}, p[:idx]...), p[idx+1:]...)
		doc, err = pointerSet(doc, ptr[:len(ptr)-1], shrunk)
		return doc, v, err
	}
	return nil, nil, fmt.Errorf("the parent of %s is not an object or list", "/"+strings.Join(ptr, "/"))
}

// pointerSet replaces the value at an existing ptr (lists change length,
// so their parent must point at the new slice).
func pointerSet(doc interface{}, ptr []string, value interface{}) (interface{}, error) {
	if len(ptr) == 0 {
		return value, nil
	}
	parent, last, err := pointerParent(doc, ptr)
	if err != nil {
		return nil, err
	}
	switch p := parent.(type) {
	case map[string]interface{}:
		p[last] = value
	case []interface{}:
		idx, err := listIndex(last, len(p), false)
		if err != nil {
			return nil, err
		}
		p[idx] = value
	}
	return doc, nil
}

// deepCopy copies JSON data, so copy does not alias its source.
func deepCopy(v interface{}) interface{} {
	var out interface{}
	json.Unmarshal([]byte(mustJSON(v)), &out)
	return out
}

// mustJSON prints JSON data for messages and comparisons.
func mustJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonEqual compares JSON data by value (test operations).
func jsonEqual(a, b interface{}) bool {
	return mustJSON(a) == mustJSON(b)
}
