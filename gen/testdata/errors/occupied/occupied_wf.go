package occupied

// This file is hand-written; wfgen must not overwrite it.
var handWritten = true
