// Package tags has jsonschema tags invopop/jsonschema would drop, and
// types it cannot reflect.
package tags

import (
	"time"

	"github.com/wfgo/wf"
)

// Base is embedded.
type Base struct {
	ID string `json:"id"`
}

// Items is a named slice: its schema is a $ref.
type Items []string

// In has bad tags.
type In struct {
	Base `jsonschema:"title=Base"`

	Count    int               `json:"count" jsonschema:"minLength=1"`
	Name     string            `json:"name" jsonschema:"minLenght=1,requried"`
	Email    string            `json:"email" jsonschema:"format=email,,maxLength=-1"`
	Tags     []string          `json:"tags" jsonschema:"uniqueItems=false,minItems=x,minimum=1"`
	Codes    []int             `json:"codes" jsonschema:"minimum=a=b"`
	Items    Items             `json:"items" jsonschema:"minItems=1"`
	Pattern  string            `json:"pattern" jsonschema:"pattern=[a-"`
	Price    float64           `json:"price" jsonschema:"minimum=cheap,default=1"`
	Flag     bool              `json:"flag" jsonschema:"default=yes"`
	Quoted   int               `json:"quoted,string" jsonschema:"minLength=1"`
	When     time.Time         `json:"when" jsonschema:"format=date-time,minimum=1"`
	Meta     map[string]string `json:"meta" jsonschema:"minItems=1"`
	Extra    string            `json:"extra" jsonschema_extras:"x-a=1,b"`
	Ignored  string            `json:"-" jsonschema:"anything"`
	Readonly string            `json:"readonly" jsonschema:"readOnly=maybe"`
	hidden   string            `jsonschema:"minLength=1"`
	Nested   Nested            `json:"nested"`
}

// Nested holds types JSON cannot hold.
type Nested struct {
	Ch      chan int     `json:"ch"`
	Fn      func()       `json:"fn"`
	C       complex128   `json:"c"`
	Skipped chan int     `json:"-"`
	Ptr     *[]Nested    `json:"ptr,omitempty"`
	Clock   func() int64 `json:"clock,omitempty"`
}

// T has bad input types.
//
//wf:workflow t
type T struct{}

// Run is the body.
func (T) Run(ctx *wf.Context, in In) (string, error) { return "", nil }

// P is a signal payload with a bad tag.
//
//wf:signal p
type P struct {
	N int `json:"n" jsonschema:"maximun=3"`
}
