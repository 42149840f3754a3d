// Package mailtest runs a real SMTP server in-process (go-smtp) on
// 127.0.0.1:0 that captures messages, for tests. It can be switched to
// reject recipients or to drop connections, to test failures, and can hold
// messages before accepting them, to test deliveries in flight.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/expertenrunde/expertenrunde/internal/config"
)

// Message is one captured e-mail, decoded.
type Message struct {
	From    string
	To      []string
	Subject string
	Header  mail.Header
	Text    string // the text/plain part
	HTML    string // the text/html part
	Raw     []byte
}

// Failure modes.
const (
	OK            = iota
	RejectRcpt    // answer RCPT with 550 (permanent)
	RejectRcptTmp // answer RCPT with 451 (temporary)
	CloseConn     // drop the connection at RCPT
	// DropAfterData accepts the message and then reads nothing more, so the
	// client's next command (go-mail sends RSET, then QUIT) gets no answer.
	DropAfterData
)

// Server is a capturing SMTP server.
type Server struct {
	srv  *smtp.Server
	addr *net.TCPAddr

	mu       sync.Mutex
	messages []Message
	mode     int
	notify   chan struct{}

	gate     chan struct{} // non-nil: messages wait at DATA until it is closed
	releases []func()
	held     int           // messages waiting at the gate now
	maxHeld  int           // the most that waited at once
	heldSeen chan struct{} // closed and replaced when held changes
}

// NewServer starts a server on 127.0.0.1:0 and stops it when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{notify: make(chan struct{}, 1), heldSeen: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	// Safety nets against a client that hangs, far above what a loaded
	// machine needs between two SMTP commands.
	s.srv.ReadTimeout = 5 * time.Minute
	s.srv.WriteTimeout = 5 * time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() {
		s.mu.Lock()
		releases := s.releases
		s.mu.Unlock()
		for _, release := range releases {
			release()
		}
		_ = s.srv.Close()
	})
	return s
}

// Hold makes the server hold every message from now on after its data has
// arrived and before it is accepted (the client waits for the answer to
// DATA), until release is called. Messages arriving after release pass.
// The server releases them itself when the test ends.
func (s *Server) Hold() (release func()) {
	gate := make(chan struct{})
	var once sync.Once
	release = func() {
		once.Do(func() {
			s.mu.Lock()
			if s.gate == gate {
				s.gate = nil
			}
			s.mu.Unlock()
			close(gate)
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = gate
	s.releases = append(s.releases, release)
	return release
}

// WaitHeld waits until at least n messages are held at once and reports
// whether they were before the timeout passed.
func (s *Server) WaitHeld(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		held, seen := s.held, s.heldSeen
		s.mu.Unlock()
		if held >= n {
			return true
		}
		select {
		case <-seen:
		case <-deadline.C:
			return false
		}
	}
}

// MaxHeld returns the most messages that were held at once.
func (s *Server) MaxHeld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxHeld
}

// addHeld changes the count of held messages and wakes WaitHeld; s.mu is
// held.
func (s *Server) addHeld(n int) {
	s.held += n
	s.maxHeld = max(s.maxHeld, s.held)
	close(s.heldSeen)
	s.heldSeen = make(chan struct{})
}

// Config returns the SMTP settings to reach the server (no TLS).
func (s *Server) Config() config.SMTP {
	return config.SMTP{Host: "127.0.0.1", Port: s.addr.Port, From: "Expertenrunde <noreply@example.org>", TLS: "none"}
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.addr.Port) }

// SetMode switches the failure mode for the next connections.
func (s *Server) SetMode(mode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
}

// Messages returns the captured messages so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// To returns the captured messages to addr.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// WaitFor waits until at least n messages arrived or the timeout passed,
// and returns the messages then.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.notify:
		case <-deadline.C:
			return s.Messages()
		}
	}
}

type session struct {
	s    *Server
	conn *smtp.Conn
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	mode := x.s.mode
	x.s.mu.Unlock()
	switch mode {
	case RejectRcpt:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable: no such user here"}
	case RejectRcptTmp:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	case CloseConn:
		_ = x.conn.Conn().Close()
		return errors.New("connection closed")
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparsable message: " + err.Error()}
	}
	m.From, m.To = x.from, append([]string(nil), x.to...)
	x.s.mu.Lock()
	if gate := x.s.gate; gate != nil {
		x.s.addHeld(1)
		x.s.mu.Unlock()
		<-gate
		x.s.mu.Lock()
		x.s.addHeld(-1)
	}
	x.s.messages = append(x.s.messages, *m)
	drop := x.s.mode == DropAfterData
	x.s.mu.Unlock()
	if tc, ok := x.conn.Conn().(*net.TCPConn); ok && drop {
		// The 250 for DATA still goes out; the next command's read fails
		// and the server closes the connection without answering it.
		_ = tc.CloseRead()
	}
	select {
	case x.s.notify <- struct{}{}:
	default:
	}
	return nil
}

// Parse decodes a raw message: the subject (RFC 2047) and the text and
// HTML parts of a multipart/alternative body.
func Parse(raw []byte) (*Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return nil, err
	}
	out := &Message{Subject: subject, Header: msg.Header, Raw: raw}
	ct, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(ct, "multipart/") {
		body, err := decodeBody(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return nil, err
		}
		if ct == "text/html" {
			out.HTML = body
		} else {
			out.Text = body
		}
		return out, nil
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := decodeBody(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return nil, err
		}
		switch pct {
		case "text/plain":
			out.Text = body
		case "text/html":
			out.HTML = body
		}
	}
	return out, nil
}

func decodeBody(r io.Reader, cte string) (string, error) {
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		b, err := io.ReadAll(r)
		if err != nil {
			return "", err
		}
		return decodeBase64(b)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

func decodeBase64(b []byte) (string, error) {
	clean := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' {
			return -1
		}
		return r
	}, b)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	return string(out[:n]), err
}
