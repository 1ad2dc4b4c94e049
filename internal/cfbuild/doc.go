// Package cfbuild holds the root module's checks of the Cloudflare host,
// host/cloudflare: a nested module (its syscall/js code builds only for
// js/wasm), which the root module's `go test ./...` does not reach. The
// tests build the example Worker to WebAssembly, vet the host for js/wasm,
// and run the nested module's own tests.
package cfbuild
