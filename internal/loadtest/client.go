package loadtest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Client talks HTTP to one server.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// NewClient returns a client for the server at baseURL that keeps up to
// conns connections open (one per simulated expert). A zero timeout means
// none: the callers' contexts bound the requests.
func NewClient(baseURL string, conns int, timeout time.Duration) *Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns + 8,
		MaxIdleConnsPerHost: conns + 8,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Transport: tr, Timeout: timeout}}
}

// StatusError is a response outside 2xx.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Status returns the HTTP status of err (0 if it is not a StatusError).
func Status(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// Outcome is what became of one request.
type Outcome struct {
	Status  int           // HTTP status; 0 when no complete response arrived
	Body    []byte        // the complete body of a response
	Latency time.Duration // from sending to the end of the body (or the error)
	Err     error         // transport error, or a read error of the body
	// Responded: the first byte of a response arrived. With Err set, the
	// response was cut off (truncated).
	Responded bool
}

// Kind classifies an outcome: "2xx", "4xx", "5xx" (complete responses),
// "refused" (no connection could be made), "truncated" (a response began
// but did not complete), "no_response" (the connection was made or reused
// but closed before any answer), "timeout", or "error".
func (o Outcome) Kind() string {
	switch {
	case o.Err == nil && o.Status >= 200 && o.Status < 300:
		return "2xx"
	case o.Err == nil && o.Status >= 500:
		return "5xx"
	case o.Err == nil:
		return "4xx"
	case o.Responded:
		return "truncated"
	case errors.Is(o.Err, syscall.ECONNREFUSED) || errors.Is(o.Err, syscall.ENOENT):
		return "refused"
	case errors.Is(o.Err, context.DeadlineExceeded) || isTimeout(o.Err):
		return "timeout"
	case errors.Is(o.Err, io.EOF) || errors.Is(o.Err, syscall.ECONNRESET) || errors.Is(o.Err, syscall.EPIPE):
		return "no_response"
	}
	return "error"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Do sends one request with an optional JSON (or raw) body and reads the
// whole answer.
func (c *Client) Do(ctx context.Context, method, path, bearer, contentType string, body []byte) Outcome {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return Outcome{Err: err}
	}
	var responded atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotFirstResponseByte: func() { responded.Store(true) },
	}))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Outcome{Err: err, Latency: time.Since(start), Responded: responded.Load()}
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	o := Outcome{Latency: time.Since(start), Responded: true}
	if err != nil {
		o.Err = err
		return o
	}
	o.Status, o.Body = resp.StatusCode, b
	return o
}

// call sends a JSON request and decodes a 2xx JSON answer into out (if
// non-nil). Other statuses are a *StatusError.
func (c *Client) call(ctx context.Context, method, path, bearer string, in, out any) error {
	var body []byte
	ct := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
		ct = "application/json"
	}
	o := c.Do(ctx, method, path, bearer, ct, body)
	return o.decode(method, path, out)
}

func (o Outcome) decode(method, path string, out any) error {
	if o.Err != nil {
		return fmt.Errorf("%s %s: %w", method, path, o.Err)
	}
	if o.Status < 200 || o.Status > 299 {
		return &StatusError{Method: method, Path: path, Status: o.Status, Body: strings.TrimSpace(string(o.Body))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(o.Body, out); err != nil {
		return fmt.Errorf("%s %s: decode %q: %w", method, path, truncate(o.Body, 200), err)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// ---------------------------------------------------------------- staff

// Staff is a logged-in staff account (Bearer token).
type Staff struct {
	c     *Client
	token string
}

// Login signs in a staff account.
func (c *Client) Login(ctx context.Context, email, password string) (*Staff, error) {
	var out struct{ Token string }
	if err := c.call(ctx, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &out); err != nil {
		return nil, err
	}
	return &Staff{c: c, token: out.Token}, nil
}

// Survey returns a study with its definition.
func (s *Staff) Survey(ctx context.Context, id string) (*delphi.Survey, error) {
	var sv delphi.Survey
	if err := s.c.call(ctx, "GET", "/api/v1/surveys/"+id, s.token, nil, &sv); err != nil {
		return nil, err
	}
	return &sv, nil
}

// OpenRound makes sure the study has an open round and returns its
// number: the latest round if it is open, otherwise round 1 created (or
// the latest draft) with a deadline a week ahead and opened.
func (s *Staff) OpenRound(ctx context.Context, surveyID string) (int, error) {
	var list struct {
		Rounds []struct {
			Number int
			Status string
		}
	}
	base := "/api/v1/surveys/" + surveyID + "/rounds"
	if err := s.c.call(ctx, "GET", base, s.token, nil, &list); err != nil {
		return 0, err
	}
	n := 0
	if k := len(list.Rounds); k > 0 {
		last := list.Rounds[k-1]
		switch last.Status {
		case delphi.RoundOpen:
			return last.Number, nil
		case delphi.RoundDraft:
			n = last.Number
		}
	}
	deadline := time.Now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Second)
	if n == 0 {
		var r struct{ Number int }
		if err := s.c.call(ctx, "POST", base, s.token, map[string]any{"deadline": deadline}, &r); err != nil {
			return 0, err
		}
		n = r.Number
	} else if err := s.c.call(ctx, "PATCH", fmt.Sprintf("%s/%d", base, n), s.token, map[string]any{"deadline": deadline}, nil); err != nil {
		return 0, err
	}
	if err := s.c.call(ctx, "POST", fmt.Sprintf("%s/%d/open", base, n), s.token, nil, nil); err != nil {
		return 0, err
	}
	return n, nil
}

// AddExperts imports n experts (CSV through the panel import), spread over
// the study's groups, with e-mail addresses <tag>-<i>@example.org.
func (s *Staff) AddExperts(ctx context.Context, sv *delphi.Survey, n int, tag string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"name", "email", "group", "language"})
	groups := sv.Definition.Groups
	for i := range n {
		g := ""
		if len(groups) > 0 {
			g = groups[i%len(groups)].ID
		}
		_ = w.Write([]string{fmt.Sprintf("Load %s %d", tag, i), fmt.Sprintf("%s-%d@example.org", tag, i), g, sv.Definition.Languages[i%len(sv.Definition.Languages)]})
	}
	w.Flush()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "panel.csv")
	if err != nil {
		return err
	}
	_, _ = fw.Write(buf.Bytes())
	_ = mw.Close()
	path := "/api/v1/surveys/" + sv.ID + "/experts/import?dry_run=false"
	var rep struct {
		Added    []json.RawMessage
		Rejected []json.RawMessage
	}
	o := s.c.Do(ctx, "POST", path, s.token, mw.FormDataContentType(), body.Bytes())
	if err := o.decode("POST", path, &rep); err != nil {
		return err
	}
	if len(rep.Added) != n {
		return fmt.Errorf("panel import: %d of %d experts added (%d rejected)", len(rep.Added), n, len(rep.Rejected))
	}
	return nil
}

// IssueLinks issues fresh links for every active expert of the study and
// returns the link tokens.
func (s *Staff) IssueLinks(ctx context.Context, surveyID string) ([]string, error) {
	path := "/api/v1/surveys/" + surveyID + "/experts/links.csv"
	o := s.c.Do(ctx, "POST", path, s.token, "", nil)
	if err := o.decode("POST", path, nil); err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(o.Body, []byte("\uFEFF"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("links.csv: %v", err)
	}
	col := len(rows[0]) - 1 // the link is the last column
	var tokens []string
	for _, row := range rows[1:] {
		link := row[col]
		tokens = append(tokens, link[strings.LastIndex(link, "/")+1:])
	}
	return tokens, nil
}

// Invitations returns the round's send status (GET …/invitations).
func (s *Staff) Invitations(ctx context.Context, surveyID string, round int) (*InvitationStatus, error) {
	var st InvitationStatus
	if err := s.c.call(ctx, "GET", fmt.Sprintf("/api/v1/surveys/%s/rounds/%d/invitations", surveyID, round), s.token, nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// InvitationStatus is the part of GET …/invitations the tests read.
type InvitationStatus struct {
	Invitations struct{ Total, Sent, Pending, Failed int }
	Failures    []struct {
		Email, Status, Error string
		Attempts             int
	}
	Running bool
}

// Call sends a staff request (JSON in and out); for the tests.
func (s *Staff) Call(ctx context.Context, method, path string, in, out any) error {
	return s.c.call(ctx, method, path, s.token, in, out)
}

// Request sends a staff request and returns the raw outcome.
func (s *Staff) Request(ctx context.Context, method, path string, body []byte) Outcome {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return s.c.Do(ctx, method, path, s.token, ct, body)
}

// ---------------------------------------------------------------- experts

// Expert is a simulated expert with a session.
type Expert struct {
	c   *Client
	JWT string
	// Seq is the last seq this expert sent; saves count up from it.
	Seq atomic.Int64
}

// Session exchanges a link token for an expert session.
func (c *Client) Session(ctx context.Context, token string) (*Expert, error) {
	var out struct{ Token string }
	if err := c.call(ctx, "POST", "/api/v1/participation/session", "", map[string]string{"token": token}, &out); err != nil {
		return nil, err
	}
	return &Expert{c: c, JWT: out.Token}, nil
}

// ExpertWithJWT is an expert resuming a session (e.g. after a restart).
func (c *Client) ExpertWithJWT(jwt string) *Expert { return &Expert{c: c, JWT: jwt} }

// Consent accepts the privacy notice.
func (e *Expert) Consent(ctx context.Context) error {
	return e.c.call(ctx, "POST", "/api/v1/participation/consent", e.JWT, nil, nil)
}

// Questionnaire is the part of GET /participation the load test reads.
type Questionnaire struct {
	State  string
	Survey struct {
		Scales []delphi.Scale
	}
	Round *struct {
		Number int
	}
	Sections []struct {
		Items []struct {
			Item delphi.Item
		}
	}
	Answers map[string]struct {
		Value json.RawMessage
		Seq   int64
	}
}

// Fetch fetches the questionnaire (GET /participation) without decoding
// it: the load phases throw it away, and the simulated experts share the
// machine with the server.
func (e *Expert) Fetch(ctx context.Context) Outcome {
	return e.c.Do(ctx, "GET", "/api/v1/participation", e.JWT, "", nil)
}

// Load fetches the questionnaire (GET /participation) and returns the
// outcome with the decoded questionnaire on 200.
func (e *Expert) Load(ctx context.Context) (*Questionnaire, Outcome) {
	o := e.Fetch(ctx)
	if o.Err != nil || o.Status != 200 {
		return nil, o
	}
	var q Questionnaire
	if err := json.Unmarshal(o.Body, &q); err != nil {
		o.Err = fmt.Errorf("decode the questionnaire: %w", err)
		return nil, o
	}
	return &q, o
}

// Save sends one answer (PUT /participation/answers/{item}).
func (e *Expert) Save(ctx context.Context, itemID string, value json.RawMessage, seq int64) Outcome {
	body, _ := json.Marshal(map[string]any{"value": value, "seq": seq})
	return e.c.Do(ctx, "PUT", "/api/v1/participation/answers/"+itemID, e.JWT, "application/json", body)
}

// Target is an item the simulated expert answers, with the values it
// alternates between.
type Target struct {
	ItemID string
	Values []json.RawMessage
}

// Targets returns the rating, multi-rating and single-choice items of the
// questionnaire with valid values for each.
func Targets(q *Questionnaire) []Target {
	scales := map[string]delphi.Scale{}
	for _, s := range q.Survey.Scales {
		scales[s.ID] = s
	}
	points := func(scale string) []int {
		var out []int
		for _, p := range scales[scale].Points {
			out = append(out, p.Value)
		}
		if len(out) == 0 {
			out = []int{1}
		}
		return out
	}
	var out []Target
	for _, sec := range q.Sections {
		for _, x := range sec.Items {
			it := x.Item
			t := Target{ItemID: it.ID}
			switch it.Type {
			case delphi.ItemRating:
				for _, p := range points(it.Scale) {
					t.Values = append(t.Values, json.RawMessage(fmt.Sprint(p)))
				}
			case delphi.ItemMultiRating:
				for i := range 5 {
					m := map[string]int{}
					for _, c := range it.Criteria {
						ps := points(c.Scale)
						m[c.ID] = ps[(i+len(c.ID))%len(ps)]
					}
					b, _ := json.Marshal(m)
					t.Values = append(t.Values, b)
				}
			case delphi.ItemSingleChoice:
				for _, o := range it.Options {
					b, _ := json.Marshal(o.ID)
					t.Values = append(t.Values, b)
				}
			}
			if len(t.Values) > 0 {
				out = append(out, t)
			}
		}
	}
	return out
}
