package main

import (
	"embed"
	"sort"
	"strings"
)

// The declarations of the packages KubeVela provides to templates, so that
// definitions importing them evaluate and their parameter schemas come out.
//
//go:embed vela
var velaFS embed.FS

// velaPackageSource returns the CUE source of `vela/NAME` (vela/NAME.cue).
func velaPackageSource(importPath string) (string, bool) {
	b, err := velaFS.ReadFile(importPath + ".cue")
	if err != nil {
		return "", false
	}
	return string(b), true
}

// velaPackageNames lists the vela/* packages this engine provides.
func velaPackageNames() []string {
	entries, _ := velaFS.ReadDir("vela")
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".cue") {
			names = append(names, "vela/"+strings.TrimSuffix(e.Name(), ".cue"))
		}
	}
	sort.Strings(names)
	return names
}
