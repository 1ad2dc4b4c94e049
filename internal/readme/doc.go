// Package readme keeps the project's README honest: its tests compile every
// Go block of README.md (after running wfgen over them, as an app would)
// and check that its directive reference is what `wfgen help` prints.
package readme
