//go:build tools

// Package testenvoci pins the OCI distribution-spec conformance suite the OCI tests run, so
// `go build` resolves it through this module's go.mod/go.sum.
package testenvoci

import (
	_ "github.com/opencontainers/distribution-spec/conformance"
)
