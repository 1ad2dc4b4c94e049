// Package hostsweep sweeps more often than Railway can.
//
//wf:hosts vercel railway sweep=1m
package hostsweep
