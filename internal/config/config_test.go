package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.BaseURL != "http://127.0.0.1:8080" || c.MongoURI != "" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEnvAndFlags(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		"EXPERTENRUNDE_ADDR": "0.0.0.0:9000", "MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
		"EXPERTENRUNDE_BASE_URL": "https://delphi.example.org/", "EXPERTENRUNDE_SESSION_TTL": "45m",
		"EXPERTENRUNDE_DEMO": "true", "EXPERTENRUNDE_SMTP_PORT": "2525", "EXPERTENRUNDE_SHUTDOWN_WAIT": "2m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"-addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:0" {
		t.Errorf("flag did not override env: %s", c.Addr)
	}
	if c.BaseURL != "https://delphi.example.org" || !c.Secure() {
		t.Errorf("base url %q", c.BaseURL)
	}
	if c.SessionTTL != 45*time.Minute || !c.Demo || c.SMTP.Port != 2525 || c.ShutdownWait != 2*time.Minute {
		t.Errorf("parsed %+v", c)
	}
}

func TestInvalid(t *testing.T) {
	cases := map[string]map[string]string{
		"EXPERTENRUNDE_JWT_SECRET":    {"EXPERTENRUNDE_JWT_SECRET": "too-short"},
		"EXPERTENRUNDE_BASE_URL":      {"EXPERTENRUNDE_BASE_URL": "ftp://x"},
		"EXPERTENRUNDE_ENV":           {"EXPERTENRUNDE_ENV": "staging"},
		"EXPERTENRUNDE_SESSION_TTL":   {"EXPERTENRUNDE_SESSION_TTL": "forever"},
		"EXPERTENRUNDE_SMTP_TLS":      {"EXPERTENRUNDE_SMTP_HOST": "mail", "EXPERTENRUNDE_SMTP_TLS": "maybe"},
		"EXPERTENRUNDE_DEMO":          {"EXPERTENRUNDE_DEMO": "perhaps"},
		"EXPERTENRUNDE_SHUTDOWN_WAIT": {"EXPERTENRUNDE_SHUTDOWN_WAIT": "0s"},
	}
	for want, m := range cases {
		c, err := FromEnv(env(m))
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: want an error naming %s, got %v", m, want, err)
		}
	}
}
