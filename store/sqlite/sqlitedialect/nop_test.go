package sqlitedialect

import (
	"context"
	"errors"
)

// nopExecutor fails every batch: tests of pure statement building use it.
type nopExecutor struct{}

func (nopExecutor) Write(context.Context, []Statement) ([]Result, error) {
	return nil, errors.New("nopExecutor: no database")
}

func (nopExecutor) Read(context.Context, []Statement) ([]Result, error) {
	return nil, errors.New("nopExecutor: no database")
}
