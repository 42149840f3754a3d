package delphi

const (
	// ReasonNotRealtime: the study does not run in real-time mode, so it
	// has no revision history to analyse; params: none.
	ReasonNotRealtime = "not_realtime"
)
