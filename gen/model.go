package gen

import (
	"go/token"
	"go/types"
	"time"

	"golang.org/x/tools/go/packages"
)

// pkgModel is what wfgen read from one package's directives, resolved
// against its types. The emitters work from it alone.
type pkgModel struct {
	Name string
	Path string
	Dir  string
	// Types is the package as type-checked from its declarations.
	Types *types.Package
	// Workflows are sorted by ID, then latest version first, then type
	// name.
	Workflows []*workflow
	// Signals are sorted by name.
	Signals []*signal
	// Hosts are the platforms of //wf:hosts, in directive order.
	Hosts    []string
	HostsPos token.Pos
	// HostsAt is HostsPos resolved, for the errors found while the
	// hosts' files are planned.
	HostsAt token.Position
	// Sweep is sweep= of //wf:hosts; 0 when unset.
	Sweep time.Duration
	// Store is store= of //wf:hosts; "" when unset (postgres).
	Store string
	// Metrics is the metrics flag of //wf:hosts.
	Metrics bool
	// Module is the module holding the package (nil outside modules):
	// the hosts' configs name paths from its root, and the Cloudflare
	// Worker's own module requires it.
	Module *packages.Module
}

// Output returns the name of the file generated for the package.
func (p *pkgModel) Output() string { return p.Name + "_wf.go" }

// workflow is one //wf:workflow type: one version of a workflow.
type workflow struct {
	Type    *types.TypeName
	ID      string
	Version string
	// Previous are the types named by previous=, in order.
	Previous []*workflow
	// Latest is true for the version that new runs start on; the others
	// are reachable from it through Previous.
	Latest bool
	Input  types.Type
	Output types.Type
	// Retry is the workflow's default step retry policy, if set.
	Retry     *retry
	Steps     []*step     // sorted by ID
	Approvals []*approval // sorted by ID
	Schedules []*schedule // sorted by ID
	// Queue is the workflow's //wf:queue, or nil.
	Queue *queue
	Pos   token.Pos
}

// Name returns the workflow's type name.
func (w *workflow) Name() string { return w.Type.Name() }

// retry is a retry policy from directive arguments.
type retry struct {
	MaxAttempts int
	Backoff     string // "", "fixed" or "exponential"
	Base, Cap   time.Duration
}

// step is one //wf:step.
type step struct {
	ID      string
	Retry   *retry
	Timeout time.Duration
	Local   bool
	Pos     token.Pos
}

// approval is one //wf:approval.
type approval struct {
	ID      string
	Title   string
	Timeout time.Duration
	Pos     token.Pos
}

// schedule is one //wf:schedule.
type schedule struct {
	ID       string
	Every    time.Duration
	Cron, TZ string
	Overlap  string
	// Input is the package-level variable or constant of input=, or nil.
	Input types.Object
	Pos   token.Pos
}

// queue is one //wf:queue.
type queue struct {
	Name        string
	Concurrency int
	Rate        int
	Per         time.Duration
	// Partition and Priority are the input fields of partition= and
	// priority=, nil when unset.
	Partition, Priority *types.Var
	Pos                 token.Pos
}

// signal is one //wf:signal payload type.
type signal struct {
	Type *types.TypeName
	Name string
	Pos  token.Pos
}
