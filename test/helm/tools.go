//go:build tools

// Package testenvhelm pins the helm CLI the compatibility test is built from,
// so `go build` resolves it through this module's go.mod/go.sum.
package testenvhelm

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
