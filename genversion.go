package wf

// EnforceVersion is used by code that wfgen generates to check, at compile
// time, that it was generated for a compatible version of this package:
//
//	const _ = wf.EnforceVersion(GenVersion - wf.MinGenVersion)
//	const _ = wf.EnforceVersion(wf.MaxGenVersion - GenVersion)
//
// A mismatch makes a constant negative, which does not convert to an
// unsigned type, so the build fails and points at the generated file:
// re-run go generate with the matching wfgen.
type EnforceVersion uint

// The range of generated-code versions this package accepts.
const (
	MinGenVersion = 1
	MaxGenVersion = 1
)
