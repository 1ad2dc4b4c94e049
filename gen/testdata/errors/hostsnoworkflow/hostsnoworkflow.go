// Package hostsnoworkflow lists hosts but has nothing to deploy.
//
//wf:hosts worker sweep=30s
package hostsnoworkflow
