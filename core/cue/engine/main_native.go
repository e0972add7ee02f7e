//go:build !(js && wasm)

package main

import (
	"bufio"
	"fmt"
	"os"
)

// main answers one JSON request per input line: the same engine natively,
// for the benchmark's comparison and for debugging without Node.
func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		fmt.Println(handle(in.Text()))
	}
}
