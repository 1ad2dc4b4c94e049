//go:build js && wasm

package cloudflare

import (
	"fmt"
	"syscall/js"
)

// jsEnv is the env argument of a JavaScript fetch or scheduled handler.
type jsEnv struct{ v js.Value }

var _ Env = jsEnv{}

// Var returns env[name] when it is a string.
func (e jsEnv) Var(name string) string {
	if v := e.v.Get(name); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

// D1 returns env[name] as a D1 database.
func (e jsEnv) D1(name string) (*D1, error) {
	db := e.v.Get(name)
	if db.Type() != js.TypeObject || db.Get("batch").Type() != js.TypeFunction || db.Get("prepare").Type() != js.TypeFunction {
		return nil, fmt.Errorf("cloudflare: env.%s is not a D1 database: add a [[d1_databases]] entry with binding = %q to wrangler.toml", name, name)
	}
	return NewD1(db), nil
}

// EnvValue returns the JavaScript env object behind an Env that the host
// made, for bindings this package does not wrap (KV, R2, queues, …).
func EnvValue(env Env) (js.Value, bool) {
	e, ok := env.(jsEnv)
	return e.v, ok
}
