// Package sweepgrid sweeps at an interval no cron fires evenly at.
//
//wf:hosts vercel worker sweep=7m
package sweepgrid
