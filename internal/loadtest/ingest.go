package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// IngestRatings and IngestTexts shape the batch ingestion study: 150
// five-point ratings and 10 free texts of about IngestTextLength
// characters, the responses of issue #16's comparison with LimeSurvey.
const (
	IngestRatings    = 150
	IngestTexts      = 10
	IngestTextLength = 1200
)

// IngestStudy is the batch ingestion study with the given id (YAML).
func IngestStudy(id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `id: %s
version: "1"
languages: [de]
title: {de: Lasttest Massenimport}
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
  planned: 2
  feedback:
    statistics: [n, median]
sections:
  - id: s
    title: {de: Fragen}
    items:
`, id)
	for i := range IngestRatings {
		fmt.Fprintf(&b, "      - {id: r%03d, type: rating, scale: five, text: {de: Frage %d}}\n", i, i)
	}
	for i := range IngestTexts {
		fmt.Fprintf(&b, "      - {id: t%02d, type: text, text: {de: Freitext %d}}\n", i, i)
	}
	return []byte(b.String())
}

// ingestBody is one whole response of the ingestion study as a batch
// (PUT /participation/answers): every item answered with seq.
func ingestBody(expert int, seq int64) []byte {
	type answer struct {
		ItemID string `json:"item_id"`
		Value  any    `json:"value"`
		Seq    int64  `json:"seq"`
	}
	as := make([]answer, 0, IngestRatings+IngestTexts)
	for i := range IngestRatings {
		as = append(as, answer{fmt.Sprintf("r%03d", i), 1 + (expert+i+int(seq))%5, seq})
	}
	text := strings.Repeat("Freitext mit Umlauten äöü. ", IngestTextLength/27+1)[:IngestTextLength]
	for i := range IngestTexts {
		as = append(as, answer{fmt.Sprintf("t%02d", i), fmt.Sprintf("%d %d: %s", expert, seq, text), seq})
	}
	b, _ := json.Marshal(map[string]any{"answers": as})
	return b
}

// SaveBatch sends a batch of answers (PUT /participation/answers).
func (e *Expert) SaveBatch(ctx context.Context, body []byte) Outcome {
	return e.c.Do(ctx, "PUT", "/api/v1/participation/answers", e.JWT, "application/json", body)
}

// ImportStudy imports a study file (POST /surveys, YAML).
func (s *Staff) ImportStudy(ctx context.Context, filename string, yaml []byte) error {
	path := "/api/v1/surveys?filename=" + filename
	o := s.c.Do(ctx, "POST", path, s.token, "application/yaml", yaml)
	if o.Status == 409 { // imported by an earlier run against the same server
		return nil
	}
	return o.decode("POST", path, nil)
}

// IngestResult is the outcome of the batch ingestion phase.
type IngestResult struct {
	Clients, Experts int
	Duration         time.Duration
	Requests         Stats // whole responses per request
	Answers          int   // answers in the 2xx requests
	AnswersPerSecond float64
	Failures         map[string]int
	Example          string
}

// RunIngest lets clients goroutines send whole responses of the ingestion
// study back to back for d, each request one expert's every answer, the
// experts in turns (the first pass creates the responses, later passes
// rewrite them with a higher seq).
func RunIngest(ctx context.Context, experts []*Expert, clients int, d time.Duration) *IngestResult {
	res := &IngestResult{Clients: clients, Experts: len(experts), Duration: d, Failures: map[string]int{}}
	per := IngestRatings + IngestTexts
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	start := time.Now()
	phase, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	reqCtx, cancelReq := context.WithTimeout(ctx, d+Grace)
	defer cancelReq()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			for n := 0; phase.Err() == nil; n++ {
				i := (w + n*clients) % len(experts)
				e := experts[i]
				o := e.SaveBatch(reqCtx, ingestBody(i, e.Seq.Add(1)))
				mu.Lock()
				if o.Kind() == "2xx" {
					lat = append(lat, o.Latency)
				} else if ctx.Err() == nil {
					errs++
					key := "batch " + o.Kind()
					if o.Err == nil {
						key = fmt.Sprintf("batch %d", o.Status)
					}
					res.Failures[key]++
					if res.Example == "" {
						res.Example = truncate(o.Body, 300)
						if o.Err != nil {
							res.Example = o.Err.Error()
						}
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.Requests = summarise(lat, errs, elapsed)
	res.Answers = len(lat) * per
	res.AnswersPerSecond = float64(res.Answers) / elapsed.Seconds()
	return res
}
