// Package host holds what every deployment host shares: the bounded sweep a
// cron wakes (Sweep, with its compact Summary) and the ingress API that
// starts runs and delivers signals and approvals over HTTP (NewIngress).
//
// The sub-packages adapt these to one host's entry shape: vercel (a
// net/http handler), lambda (AWS Lambda and Netlify functions), cronjob (a
// command that sweeps once and exits, for Railway and Kubernetes CronJobs),
// worker (a long-running process) and envstore (the store named by the
// environment). Hosts never define workflow semantics and never create the
// schema: a missing table means the database was not migrated.
package host
