package cloudflare

// Env is the environment of one Worker invocation: the env argument that
// the Workers runtime passes to fetch and scheduled, with the Worker's
// variables, secrets and bindings. The host builds it for each invocation
// and hands it to Config.Runtime; tests may implement it.
type Env interface {
	// Var returns the text variable or secret called name ([vars] in
	// wrangler.toml, `wrangler secret put`), or "" when it is unset or not
	// text.
	Var(name string) string
	// D1 returns the D1 database bound as name (a [[d1_databases]]
	// binding), or an error when env has no such binding.
	D1(name string) (*D1, error)
}
