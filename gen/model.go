package gen

import (
	"go/token"
	"go/types"
	"time"
)

// Package is what wfgen read from one package's directives, resolved
// against its types. The emitters work from it alone.
type Package struct {
	Name string
	Path string
	Dir  string
	// Types is the package as type-checked from its declarations.
	Types *types.Package
	// Workflows are sorted by ID, then latest version first, then type
	// name.
	Workflows []*Workflow
	// Signals are sorted by name.
	Signals []*Signal
	// Hosts are the platforms of //wf:hosts, in directive order.
	Hosts    []string
	HostsPos token.Pos
}

// Output returns the name of the file generated for the package.
func (p *Package) Output() string { return p.Name + "_wf.go" }

// Workflow is one //wf:workflow type: one version of a workflow.
type Workflow struct {
	Type    *types.TypeName
	ID      string
	Version string
	// Previous are the types named by previous=, in order.
	Previous []*Workflow
	// Latest is true for the version that new runs start on; the others
	// are reachable from it through Previous.
	Latest bool
	Input  types.Type
	Output types.Type
	// Retry is the workflow's default step retry policy, if set.
	Retry     *Retry
	Steps     []*Step     // sorted by ID
	Approvals []*Approval // sorted by ID
	Schedules []*Schedule // sorted by ID
	Pos       token.Pos
}

// Name returns the workflow's type name.
func (w *Workflow) Name() string { return w.Type.Name() }

// Retry is a retry policy from directive arguments.
type Retry struct {
	MaxAttempts int
	Backoff     string // "", "fixed" or "exponential"
	Base, Cap   time.Duration
}

// Step is one //wf:step.
type Step struct {
	ID      string
	Retry   *Retry
	Timeout time.Duration
	Pos     token.Pos
}

// Approval is one //wf:approval.
type Approval struct {
	ID      string
	Title   string
	Timeout time.Duration
	Pos     token.Pos
}

// Schedule is one //wf:schedule.
type Schedule struct {
	ID       string
	Every    time.Duration
	Cron, TZ string
	Overlap  string
	// Input is the package-level variable or constant of input=, or nil.
	Input types.Object
	Pos   token.Pos
}

// Signal is one //wf:signal payload type.
type Signal struct {
	Type *types.TypeName
	Name string
	Pos  token.Pos
}
