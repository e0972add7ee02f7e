// Command etcd is etcd's own entry point, built from go.etcd.io/etcd/server/v3
// so that it shares the module graph (and version) the kube-apiserver expects.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
