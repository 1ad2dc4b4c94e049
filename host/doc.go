// Package host holds what every deployment host shares: the bounded sweep a
// cron wakes (Sweep, with its compact Summary) and the ingress API that
// starts runs and delivers signals and approvals over HTTP (NewIngress).
//
// The ingress API has one contract on every host: each answer is JSON with
// "ok", each failure a stable code with its status (Contract lists them,
// the README shows them as a table), and GET /openapi.json describes the
// API as an OpenAPI 3.1 document built from the route table the server
// routes with. Run, signal and approval IDs are checked by
// runtime.CheckID before anything is stored. Error messages are written
// for the caller and never carry store or runtime internals: those go to
// the log, where IDs are cut to their first bytes.
//
// The sub-packages adapt these to one host's entry shape: vercel (a
// net/http handler), lambda (AWS Lambda and Netlify functions), cronjob (a
// command that sweeps once and exits, for Railway and Kubernetes CronJobs),
// worker (a long-running process) and envstore (the store named by the
// environment). Hosts never define workflow semantics and never create the
// schema: a missing table means the database was not migrated.
package host
