package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Pace is how a simulated expert autosaves.
type Pace struct {
	Name string
	// Think is the mean pause between two saves of one expert (0: back
	// to back); each pause is drawn uniformly from Think·(1±Jitter).
	Think  time.Duration
	Jitter float64
	// ReloadEvery: the expert reloads the questionnaire (GET
	// /participation) after every n saves; LoadFirst: also once at the
	// start, spread over the first Think.
	ReloadEvery int
	LoadFirst   bool
	// Batch > 1: each save is a batch of that many answers (the next
	// targets in turn, each with its own seq) in one request
	// (PUT /participation/answers); the Recorder gets each answer, the
	// Saves stats count the requests.
	Batch int
}

// Human is the default human pace: a save about every 2 s (1–3 s), a
// reload every 20 saves.
var Human = Pace{Name: "human", Think: 2 * time.Second, Jitter: 0.5, ReloadEvery: 20, LoadFirst: true}

// Fast saves back to back, reloading every 10 saves.
var Fast = Pace{Name: "fast", ReloadEvery: 10}

// Stats summarise the latencies of one kind of request.
type Stats struct {
	N             int           // requests answered 2xx
	Errors        int           // other outcomes
	PerSecond     float64       // N per second of the phase
	P50, P95, P99 time.Duration // of the 2xx requests
	Max           time.Duration
}

func summarise(lat []time.Duration, errors int, d time.Duration) Stats {
	s := Stats{N: len(lat), Errors: errors}
	if d > 0 {
		s.PerSecond = float64(len(lat)) / d.Seconds()
	}
	if len(lat) == 0 {
		return s
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		i := int(p*float64(len(lat))+0.5) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	s.P50, s.P95, s.P99, s.Max = q(0.50), q(0.95), q(0.99), lat[len(lat)-1]
	return s
}

// PhaseResult is the outcome of one phase.
type PhaseResult struct {
	Pace     Pace
	Experts  int
	Duration time.Duration // the phase: requests are sent during it
	Drain    time.Duration // the wait for the requests in flight at its end
	// Saves and Loads: PerSecond counts the answers within Duration; the
	// latencies are those of every request sent during the phase, also
	// those answered during the drain (leaving them out would hide the
	// slowest under saturation).
	Saves, Loads Stats
	// Failures counts the non-2xx outcomes by kind and status, e.g.
	// "save 503" or "load timeout", with one example each.
	Failures map[string]int
	Examples map[string]string
	// Late counts the requests in flight at the end of the phase that were
	// answered during the drain.
	Late int
	// Settled: the 2xx saves sent from Settle after the phase's start on
	// (N 0 for a phase no longer than Settle). A diagnosis, no target: it
	// tells the start, when every expert opens the questionnaire within
	// the first Think, from the steady state.
	Settled Stats
}

// Settle is how long after a phase's start the saves count as settled
// (PhaseResult.Settled): the first loads are spread over the first Think
// (2 s at human pace) and the queue they leave drains within seconds.
const Settle = 5 * time.Second

// Grace bounds the drain: requests still unanswered then are cancelled
// and count as "timeout" failures.
const Grace = 30 * time.Second

// Ack is one save the server acknowledged with 2xx.
type Ack struct {
	Expert int // index in the experts slice
	ItemID string
	Seq    int64
	Value  json.RawMessage
}

// Recorder receives every save's outcome (optional); it must be safe for
// concurrent use.
type Recorder func(expert int, t Target, value json.RawMessage, seq int64, o Outcome)

// RunPhase lets every expert autosave at pace p for d: (a load of the
// questionnaire first with p.LoadFirst, then) saves round-robin over the
// expert's targets with a growing seq, reloading every p.ReloadEvery
// saves. Then it waits for the requests in flight (up to Grace). Ending ctx
// stops everything at once; such aborted requests are not counted.
func RunPhase(ctx context.Context, experts []*Expert, targets [][]Target, p Pace, d time.Duration, rec Recorder) *PhaseResult {
	res := &PhaseResult{Pace: p, Experts: len(experts), Duration: d, Failures: map[string]int{}, Examples: map[string]string{}}
	type sample struct {
		lat  time.Duration
		done time.Time
	}
	var mu sync.Mutex
	var saves, loads []sample
	saveErr, loadErr := 0, 0
	fail := func(what string, o Outcome) {
		key := what + " " + o.Kind()
		if o.Err == nil {
			key = fmt.Sprintf("%s %d", what, o.Status)
		}
		mu.Lock()
		defer mu.Unlock()
		res.Failures[key]++
		if _, ok := res.Examples[key]; !ok {
			if o.Err != nil {
				res.Examples[key] = o.Err.Error()
			} else {
				res.Examples[key] = truncate(o.Body, 300)
			}
		}
	}
	start := time.Now()
	end := start.Add(d)
	phase, cancelPhase := context.WithDeadline(ctx, end) // bounds the pauses
	defer cancelPhase()
	reqCtx, cancelReq := context.WithDeadline(ctx, end.Add(Grace)) // bounds the requests
	defer cancelReq()
	var wg sync.WaitGroup
	for i, e := range experts {
		ts := targets[i%len(targets)]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
			var mySaves, myLoads []sample
			myLoadErr, mySaveErr := 0, 0
			// count files an outcome; false when the caller ended ctx.
			count := func(what string, o Outcome, ok *[]sample, errs *int) bool {
				if ctx.Err() != nil {
					return false
				}
				if o.Kind() == "2xx" {
					*ok = append(*ok, sample{o.Latency, time.Now()})
				} else {
					*errs++
					fail(what, o)
				}
				return true
			}
			load := func() bool {
				return count("load", e.Fetch(reqCtx), &myLoads, &myLoadErr)
			}
			if p.LoadFirst {
				// Humans do not all start in the same millisecond.
				if p.Think > 0 && !sleep(phase, time.Duration(rng.Float64()*float64(p.Think))) {
					return
				}
				if !load() {
					return
				}
			}
			for n := 0; phase.Err() == nil; n++ {
				k := max(p.Batch, 1)
				sent := make([]batchAnswer, k)
				for j := range sent {
					t := ts[(i+n*k+j)%len(ts)]
					sent[j] = batchAnswer{t, t.Values[(i+(n*k+j)/len(ts))%len(t.Values)], e.Seq.Add(1)}
				}
				var o Outcome
				if p.Batch > 1 {
					o = e.SaveBatch(reqCtx, batchBody(sent))
				} else {
					o = e.Save(reqCtx, sent[0].target.ItemID, sent[0].value, sent[0].seq)
				}
				if rec != nil && ctx.Err() == nil {
					for _, a := range sent {
						rec(i, a.target, a.value, a.seq, o)
					}
				}
				if !count("save", o, &mySaves, &mySaveErr) {
					break
				}
				if p.ReloadEvery > 0 && (n+1)%p.ReloadEvery == 0 && phase.Err() == nil && !load() {
					break
				}
				if p.Think > 0 {
					pause := float64(p.Think) * (1 + p.Jitter*(2*rng.Float64()-1))
					if !sleep(phase, time.Duration(pause)) {
						break
					}
				}
			}
			mu.Lock()
			saves, loads = append(saves, mySaves...), append(loads, myLoads...)
			saveErr, loadErr = saveErr+mySaveErr, loadErr+myLoadErr
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Drain = max(0, time.Since(end))
	stats := func(ss []sample, errs int) Stats {
		lat := make([]time.Duration, len(ss))
		inTime := 0
		for i, s := range ss {
			lat[i] = s.lat
			if !s.done.After(end) {
				inTime++
			} else {
				res.Late++
			}
		}
		st := summarise(lat, errs, d)
		st.PerSecond = float64(inTime) / d.Seconds()
		return st
	}
	res.Saves = stats(saves, saveErr)
	if d > Settle {
		var settled []time.Duration
		for _, x := range saves {
			if x.done.Add(-x.lat).Sub(start) >= Settle {
				settled = append(settled, x.lat)
			}
		}
		res.Settled = summarise(settled, 0, d-Settle)
	}
	res.Loads = stats(loads, loadErr)
	return res
}

// batchAnswer is one answer of a batch save.
type batchAnswer struct {
	target Target
	value  json.RawMessage
	seq    int64
}

// batchBody is the body of PUT /participation/answers.
func batchBody(as []batchAnswer) []byte {
	type answer struct {
		ItemID string          `json:"item_id"`
		Value  json.RawMessage `json:"value"`
		Seq    int64           `json:"seq"`
	}
	out := make([]answer, len(as))
	for i, a := range as {
		out[i] = answer{a.target.ItemID, a.value, a.seq}
	}
	b, _ := json.Marshal(map[string]any{"answers": out})
	return b
}

// sleep waits for d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Parallel runs fn for 0..n-1 with at most k at a time and returns the
// first error.
func Parallel(n, k int, fn func(i int) error) error {
	sem := make(chan struct{}, k)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs <- fn(i)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
