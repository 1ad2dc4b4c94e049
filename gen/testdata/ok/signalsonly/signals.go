// Package signalsonly declares signals and no workflow.
package signalsonly

// Shipped is a signal payload.
//
//wf:signal shipped
type Shipped struct {
	Carrier string `json:"carrier" jsonschema:"enum=ups,enum=dhl"`
}
