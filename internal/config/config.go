// Package config holds the one configuration struct of Expertenrunde, read
// from the environment (prefix EXPERTENRUNDE_) and overridden by flags. It is
// passed down explicitly; there is no package-level configuration.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration.
type Config struct {
	Addr      string // EXPERTENRUNDE_ADDR, listen address
	DataDir   string // EXPERTENRUNDE_DATA_DIR, embedded DB, JWT secret
	MongoURI  string // MONGODB_URI; empty starts the embedded FerretDB
	DBName    string // EXPERTENRUNDE_DB_NAME
	BaseURL   string // EXPERTENRUNDE_BASE_URL, public URL used in links
	JWTSecret string // EXPERTENRUNDE_JWT_SECRET; empty: generated and kept in DataDir
	Env       string // EXPERTENRUNDE_ENV: development (text logs) or production (JSON logs)
	LogLevel  string // EXPERTENRUNDE_LOG_LEVEL: debug, info, warn, error

	SessionTTL   time.Duration // EXPERTENRUNDE_SESSION_TTL, staff JWT lifetime
	BodyLimit    int           // EXPERTENRUNDE_BODY_LIMIT, bytes
	Demo         bool          // EXPERTENRUNDE_DEMO: load the demo study, create a demo admin
	TrustProxy   bool          // EXPERTENRUNDE_TRUST_PROXY: take the client IP from X-Forwarded-For
	ShutdownWait time.Duration // EXPERTENRUNDE_SHUTDOWN_WAIT: how long in-flight requests may take at shutdown

	SMTP SMTP
}

// SMTP holds the mail settings.
type SMTP struct {
	Host     string // EXPERTENRUNDE_SMTP_HOST; empty disables sending
	Port     int    // EXPERTENRUNDE_SMTP_PORT
	Username string // EXPERTENRUNDE_SMTP_USERNAME
	Password string // EXPERTENRUNDE_SMTP_PASSWORD (never logged)
	From     string // EXPERTENRUNDE_SMTP_FROM
	TLS      string // EXPERTENRUNDE_SMTP_TLS: none, starttls, tls
}

// Default returns the defaults.
func Default() Config {
	return Config{
		Addr:         "127.0.0.1:8080",
		DataDir:      "./data",
		DBName:       "expertenrunde",
		Env:          "development",
		LogLevel:     "info",
		SessionTTL:   30 * time.Minute,
		BodyLimit:    4 << 20,
		ShutdownWait: 10 * time.Second,
		SMTP:         SMTP{Port: 587, TLS: "starttls", From: "Expertenrunde <noreply@localhost>"},
	}
}

// FromEnv returns the defaults overridden by the environment, read through getenv.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	var errs []error
	str := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	str("EXPERTENRUNDE_ADDR", &c.Addr)
	str("EXPERTENRUNDE_DATA_DIR", &c.DataDir)
	str("MONGODB_URI", &c.MongoURI)
	str("EXPERTENRUNDE_DB_NAME", &c.DBName)
	str("EXPERTENRUNDE_BASE_URL", &c.BaseURL)
	str("EXPERTENRUNDE_JWT_SECRET", &c.JWTSecret)
	str("EXPERTENRUNDE_ENV", &c.Env)
	str("EXPERTENRUNDE_LOG_LEVEL", &c.LogLevel)
	str("EXPERTENRUNDE_SMTP_HOST", &c.SMTP.Host)
	str("EXPERTENRUNDE_SMTP_USERNAME", &c.SMTP.Username)
	str("EXPERTENRUNDE_SMTP_PASSWORD", &c.SMTP.Password)
	str("EXPERTENRUNDE_SMTP_FROM", &c.SMTP.From)
	str("EXPERTENRUNDE_SMTP_TLS", &c.SMTP.TLS)
	if v := getenv("EXPERTENRUNDE_SMTP_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("EXPERTENRUNDE_SMTP_PORT: %q is not a number", v))
		}
		c.SMTP.Port = n
	}
	if v := getenv("EXPERTENRUNDE_BODY_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("EXPERTENRUNDE_BODY_LIMIT: %q is not a number of bytes", v))
		}
		c.BodyLimit = n
	}
	for key, dst := range map[string]*time.Duration{"EXPERTENRUNDE_SESSION_TTL": &c.SessionTTL, "EXPERTENRUNDE_SHUTDOWN_WAIT": &c.ShutdownWait} {
		if v := getenv(key); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 30m", key, v))
			}
			*dst = d
		}
	}
	for key, dst := range map[string]*bool{"EXPERTENRUNDE_DEMO": &c.Demo, "EXPERTENRUNDE_TRUST_PROXY": &c.TrustProxy} {
		if v := getenv(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not true or false", key, v))
			}
			*dst = b
		}
	}
	return c, errors.Join(errs...)
}

// RegisterFlags binds the server flags to c; flags override the environment.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (EXPERTENRUNDE_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (EXPERTENRUNDE_DATA_DIR)")
	fs.StringVar(&c.MongoURI, "mongodb-uri", c.MongoURI, "MongoDB URI; empty starts the embedded database (MONGODB_URI)")
	fs.StringVar(&c.DBName, "db-name", c.DBName, "database name (EXPERTENRUNDE_DB_NAME)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL used in links (EXPERTENRUNDE_BASE_URL)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load the demo study and create a demo admin on first start (EXPERTENRUNDE_DEMO)")
}

// Validate checks the configuration and fills derived defaults.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data dir must not be empty"))
	}
	if c.DBName == "" {
		errs = append(errs, errors.New("database name must not be empty"))
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_BASE_URL %q must be an http(s) URL", c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_ENV %q must be development or production", c.Env))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_SESSION_TTL %v must lie between 1m and 24h", c.SessionTTL))
	}
	if c.ShutdownWait < time.Second || c.ShutdownWait > time.Hour {
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_SHUTDOWN_WAIT %v must lie between 1s and 1h", c.ShutdownWait))
	}
	if c.BodyLimit < 1024 {
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_BODY_LIMIT %d is below 1024 bytes", c.BodyLimit))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, fmt.Errorf("EXPERTENRUNDE_JWT_SECRET is %d bytes; at least 32 are required", len(c.JWTSecret)))
	}
	if c.SMTP.Host != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			errs = append(errs, fmt.Errorf("EXPERTENRUNDE_SMTP_FROM %q is not an e-mail address", c.SMTP.From))
		}
		switch c.SMTP.TLS {
		case "none", "starttls", "tls":
		default:
			errs = append(errs, fmt.Errorf("EXPERTENRUNDE_SMTP_TLS %q must be none, starttls or tls", c.SMTP.TLS))
		}
		if c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
			errs = append(errs, fmt.Errorf("EXPERTENRUNDE_SMTP_PORT %d is out of range", c.SMTP.Port))
		}
	}
	return errors.Join(errs...)
}

// Secure reports whether the public URL is HTTPS (cookies get the Secure flag).
func (c *Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }
