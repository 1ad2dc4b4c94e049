// Command chaos is wf's crash suite; see package internal/chaos.
//
//	go run ./internal/chaos/cmd/chaos -duration 5m
package main

import (
	"os"

	"github.com/wfgo/wf/internal/chaos"
)

func main() { os.Exit(chaos.Main(os.Args[1:], os.Stdout, os.Stderr)) }
