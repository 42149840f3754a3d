// Package mail sends the invitation and reminder e-mails of a round: the
// templates (German and English, plain text and HTML), an SMTP sender and a
// dispatcher that works off the send records in the database with leases,
// retries and exponential backoff.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/expertenrunde/expertenrunde/internal/config"
)

// Message is one rendered e-mail.
type Message struct {
	To      string // address
	ToName  string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers one message. It must be safe for concurrent use: the
// Dispatcher delivers several messages at once.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// ErrNotConfigured is the error of every send when no SMTP host is set.
var ErrNotConfigured = errors.New("SMTP is not configured (set EXPERTENRUNDE_SMTP_HOST)")

// permanentError marks an error that a retry cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether a send failed for good: a 5xx SMTP answer,
// missing configuration, or an error marked Permanent. Network failures and
// 4xx answers are temporary.
func IsPermanent(err error) bool {
	var pe *permanentError
	if errors.As(err, &pe) || errors.Is(err, ErrNotConfigured) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return !se.IsTemp() && se.ErrorCode() >= 500
	}
	return false
}

// notConfigured fails every send visibly.
type notConfigured struct{}

func (notConfigured) Send(context.Context, *Message) error { return ErrNotConfigured }

// SMTPSender sends through one SMTP server with go-mail, one connection per
// message. It keeps no state between sends, so it is safe for concurrent
// use once its fields are set.
type SMTPSender struct {
	cfg     config.SMTP
	Timeout time.Duration // per connection; default 30 s
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
}

// NewSender returns an SMTP sender for cfg, or one that fails every send
// with ErrNotConfigured when cfg.Host is empty.
func NewSender(cfg config.SMTP) Sender {
	if cfg.Host == "" {
		return notConfigured{}
	}
	return &SMTPSender{cfg: cfg, Timeout: 30 * time.Second}
}

// Send delivers m: a multipart/alternative message with the text and HTML parts.
func (s *SMTPSender) Send(ctx context.Context, m *Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return Permanent(fmt.Errorf("sender address: %w", err))
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return Permanent(fmt.Errorf("recipient address: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.Timeout)}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default: // starttls
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return Permanent(fmt.Errorf("SMTP client: %w", err))
	}
	client, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("dial failed: %w", err)
	}
	sendErr := c.SendWithSMTPClient(client, msg)
	closeErr := c.CloseWithSMTPClient(client)
	if msg.IsDelivered() {
		// The server accepted the message (its answer to DATA). go-mail
		// then sends RSET and QUIT; their failure changes nothing, and
		// reporting it would have the dispatcher send the mail again.
		return nil
	}
	if sendErr != nil {
		return fmt.Errorf("send failed: %w", sendErr)
	}
	if closeErr != nil {
		return fmt.Errorf("failed to close connection: %w", closeErr)
	}
	return nil
}
