// Package orders holds types another package's workflow uses.
package orders

// Order is the input of basic.Checkout.
type Order struct {
	ID    string   `json:"id" jsonschema:"minLength=1,pattern=^o-[0-9]+$"`
	Lines []string `json:"lines" jsonschema:"minItems=1,maxLength=40"`
}
