// Package gen is the code generator behind the wfgen command: it loads Go
// packages, reads their //wf: directives, resolves them against the
// packages' types and writes each package's typed workflow code. Its API
// serves the command and its tests; apps use the command (go generate),
// not this package.
//
// # Pipeline
//
// Load: golang.org/x/tools/go/packages loads the requested packages from
// source with their function bodies emptied, so that code calling names
// not generated yet (or no longer) still yields every declaration wfgen
// reads; wfgen's own outputs are reduced to their package clause. Both
// are done by the ParseFile hook rather than an Overlay, because any
// overlay makes go/packages type-check every dependency from source
// instead of reading export data, about three times slower. A dependency
// that does not compile falls back to source, parsed the same way.
//
// Parse: the directives (gen/internal/directive) are scanned with their
// own argument scanner, bound to the struct that defines each directive,
// and checked for placement. Every error is collected with its position.
//
// Model and checks: the directives are resolved against go/types: the
// Run method of each workflow, version chains (previous=), schedule
// inputs, uniqueness of IDs, the JSON-ability of every input, output and
// payload type, the jsonschema tags invopop/jsonschema would drop, and
// clashes between generated and declared names.
//
// Emit: github.com/dave/jennifer writes one file per package,
// <package name>_wf.go, deterministic and gofmt'ed, written only when its
// content changes; the output of a package that no longer has directives
// is removed. One file per package (rather than per source file) keeps
// the package-level registry and the signals, which every workflow of the
// package shares, in one place.
//
// # Generated code
//
// Per workflow type W (ID "w"): the step-ID constants W<Step><Name>, the
// input and output validators, New<W>Definition(w *W, prev... *wf.Definition)
// whose extra parameters are the definitions of the versions listed in
// previous=, Start<W> for the latest version, and Request<W><Approval> and
// Decide<W><Approval> per approval. Per signal type S: Wait<S> and
// Deliver<S>. Per package: Workflows (the workflow values, whose fields
// are their dependencies), Registrations(Workflows) []runtime.Workflow and
// JSONSchemas. Names follow the exportedness of the type they come from;
// wire names (IDs) appear only as string literals.
//
// Schemas are reflected from the Go types with invopop/jsonschema at
// package init and compiled with santhosh-tekuri/jsonschema/v6 (package
// github.com/wfgo/wf/schema); validation is strict: fields without
// omitempty are required and unknown properties are refused.
//
// # Check
//
// Check loads the packages fully, regenerates in memory and reports stale,
// missing and left-over outputs, compile errors and the findings of the
// analyzers of package gen/check.
package gen
