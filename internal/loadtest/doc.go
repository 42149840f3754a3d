// Package loadtest drives a running Expertenrunde server with simulated
// experts and measures it: a client of the staff and participation API
// (Client, Staff, Expert), the setup of a panel with sessions (Prepare),
// phases of autosaving at a human or a back-to-back pace (RunPhase), the
// raw driver baseline (Raw), and the whole run with its report (Run).
// `expertenrunde loadtest` and `make bench` run it; the fault tests in
// cmd/expertenrunde use its client. See docs/PERFORMANCE.md.
package loadtest
