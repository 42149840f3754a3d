package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// RealtimeRatings is the number of five-point ratings of the real-time
// study (RealtimeStudy).
const RealtimeRatings = 30

// RealtimeStudy is the study of the real-time phase (YAML): mode realtime,
// RealtimeRatings ratings, the panel's n, median and IQR from 3 other
// answers on, the justification rule, drafts counted.
func RealtimeStudy(id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `id: %s
version: "1"
languages: [de]
title: {de: Lasttest Echtzeit}
mode: realtime
groups:
  - {id: g, label: {de: Gruppe}}
scales:
  - id: five
    points:
      - {value: 1, label: {de: eins}}
      - {value: 2, label: {de: zwei}}
      - {value: 3, label: {de: drei}}
      - {value: 4, label: {de: vier}}
      - {value: 5, label: {de: fünf}}
    agreement: {min: 4, max: 5}
consensus:
  min_n: 3
  all:
    - agreement: {min_percent: 75}
    - iqr: {max: 1}
rounds:
  planned: 1
  feedback:
    statistics: [n, median, iqr]
    min_group_n: 3
    justify_outside_iqr: true
    count: all
sections:
  - id: s
    title: {de: Fragen}
    items:
`, id)
	for i := range RealtimeRatings {
		fmt.Fprintf(&b, "      - {id: r%02d, type: rating, scale: five, text: {de: Frage %d}}\n", i, i)
	}
	return []byte(b.String())
}

// Realtime fetches the panel's current statistics of a real-time study
// (GET /participation/realtime).
func (e *Expert) Realtime(ctx context.Context) Outcome {
	return e.c.Do(ctx, "GET", "/api/v1/participation/realtime", e.JWT, "", nil)
}

// RealtimeResult is the outcome of the real-time phase: the saves (and
// reloads) at human pace, and the feedback fetched after each save.
type RealtimeResult struct {
	Phase    *PhaseResult
	Feedback Stats
	// Failures counts the feedback fetches that did not answer 2xx, by
	// kind and status.
	Failures map[string]int
}

// RunRealtime lets every expert of a real-time study save at human pace
// for d and, as the expert's page does, fetch the panel's statistics
// after each acknowledged save (in the expert's turn, before the pause).
func RunRealtime(ctx context.Context, experts []*Expert, targets [][]Target, d time.Duration) *RealtimeResult {
	res := &RealtimeResult{Failures: map[string]int{}}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	start := time.Now()
	reqCtx, cancel := context.WithDeadline(ctx, start.Add(d+Grace))
	defer cancel()
	rec := func(i int, _ Target, _ json.RawMessage, _ int64, o Outcome) {
		if o.Kind() != "2xx" {
			return
		}
		f := experts[i].Realtime(reqCtx)
		if ctx.Err() != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if f.Kind() == "2xx" {
			lat = append(lat, f.Latency)
			return
		}
		errs++
		key := "feedback " + f.Kind()
		if f.Err == nil {
			key = fmt.Sprintf("feedback %d", f.Status)
		}
		res.Failures[key]++
	}
	res.Phase = RunPhase(ctx, experts, targets, Human, d, rec)
	res.Feedback = summarise(lat, errs, d)
	return res
}
