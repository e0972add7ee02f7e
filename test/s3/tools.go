//go:build tools

// Package testenvs3 pins the SeaweedFS server the S3 tests run against,
// so `go build` resolves it through this module's go.mod/go.sum.
package testenvs3

import (
	_ "github.com/seaweedfs/seaweedfs/weed"
)
