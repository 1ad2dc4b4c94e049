// Package templates holds the text templates from which wfgen writes the
// entry point and config file of each host of //wf:hosts (see package hostgen
// for the layout and the data they are given). It serves the generator:
// apps do not import it.
//
// Go templates (*.go.tmpl) are gofmt'ed after rendering; every output
// gets wfgen's generated-file header from the generator, except JSON,
// which takes no comments.
package templates

import (
	"bytes"
	"embed"
	"sync"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

var parsed = sync.OnceValues(func() (*template.Template, error) {
	return template.New("").Option("missingkey=error").ParseFS(files, "*.tmpl")
})

// Render executes the template in the file called name (e.g.
// "vercel.json.tmpl") with data.
func Render(name string, data any) ([]byte, error) {
	t, err := parsed()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
