package gen

import (
	"io"

	"github.com/wfgo/wf/gen/internal/directive"
)

// DirectiveHelp writes the reference of the directive called name
// ("step" or "//wf:step"), or of every directive when name is "". The
// text comes from the doc comments of the structs that define the
// directives.
func DirectiveHelp(w io.Writer, name string) error { return directive.Help(w, name) }
