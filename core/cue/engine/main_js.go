//go:build js && wasm

package main

import (
	"os"
	"syscall/js"
)

// main registers the engine as a synchronous JavaScript function, named by
// the first argument so two engines (two CUE lines) can share one thread,
// then parks: the host calls in for as long as it keeps the instance.
func main() {
	name := "velahubCue"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	js.Global().Set(name, js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return `{"diagnostics":[{"code":"cue-internal","message":"the engine takes one JSON string"}]}`
		}
		return handle(args[0].String())
	}))
	select {}
}
