package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/expertenrunde/expertenrunde/internal/accounts"
	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
	"github.com/expertenrunde/expertenrunde/internal/survey"
	"github.com/expertenrunde/expertenrunde/surveys"
)

// demoStudy is the study loaded by serve --demo.
const demoStudy = "kleinstadtakademie-2020.yaml"

// demoAdmin is the account created by serve --demo when there is none.
const demoAdmin = "admin@example.org"

// demoPasswordRE finds the demo admin's generated password in the login
// line serve --demo prints at the first start.
var demoPasswordRE = regexp.MustCompile(`generated password (\S+)`)

// surveyValidate checks each file and prints file:line:column: message for
// every problem; it exits 1 if any file is invalid.
func (m *Main) surveyValidate() error {
	if len(m.args) == 0 {
		return errors.New("usage: expertenrunde survey validate FILE [FILE ...]")
	}
	bad := 0
	for _, name := range m.args {
		if _, err := m.parseFile(name); err != nil {
			bad++
			continue
		}
		fmt.Fprintf(m.Stdout, "%s: ok\n", name)
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d files invalid", bad, len(m.args))}
	}
	return nil
}

// parseFile reads and validates a study file, printing its problems to Stderr.
func (m *Main) parseFile(name string) (*delphi.Definition, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(m.Stderr, "%s: %v\n", name, err)
		return nil, err
	}
	def, err := survey.Parse(name, data)
	if err != nil {
		for _, line := range survey.FormatErrors(name, err) {
			fmt.Fprintln(m.Stderr, line)
		}
		return nil, err
	}
	return def, nil
}

func (m *Main) surveyImport(ctx context.Context) error {
	if len(m.args) != 1 {
		return fmt.Errorf("usage: expertenrunde survey import [--protocol-change-reason R] FILE")
	}
	def, err := m.parseFile(m.args[0])
	if err != nil {
		return &exitError{code: 1, msg: "invalid study file"}
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	st, changed, err := m.services().importer.ImportBecause(ctx, "cli", def, m.reason)
	if err != nil {
		if e := delphi.AsError(err); e.Code == delphi.EINVALID || e.Reason == delphi.ReasonProtocolChange {
			fmt.Fprintf(m.Stderr, "%s: %s\n", m.args[0], e.Message)
			for _, d := range e.Details {
				if e.Reason == delphi.ReasonProtocolChange {
					fmt.Fprintf(m.Stderr, "%s: %s: %s\n", m.args[0], d.Field, d.Message)
					continue
				}
				fmt.Fprintf(m.Stderr, "%s: %s\n", m.args[0], d.Message)
			}
			if e.Reason == delphi.ReasonProtocolChange {
				fmt.Fprintf(m.Stderr, "%s: give --protocol-change-reason to import it as a protocol deviation\n", m.args[0])
			}
			return &exitError{code: 1, msg: "import refused"}
		}
		return err
	}
	if changed {
		fmt.Fprintf(m.Stdout, "imported %s as revision %d\n", st.ID, st.Revision)
	} else {
		fmt.Fprintf(m.Stdout, "%s is unchanged (revision %d)\n", st.ID, st.Revision)
	}
	return nil
}

func (m *Main) userCreate(ctx context.Context) error {
	f := m.user
	if f.email == "" || f.role == "" {
		return fmt.Errorf("user create needs --email and --role")
	}
	if !delphi.ValidRole(f.role) {
		return fmt.Errorf("--role must be admin, coordinator or researcher, not %q", f.role)
	}
	if !f.passwordStdin {
		return fmt.Errorf("pass the password on standard input with --password-stdin (never as an argument)")
	}
	pw, err := readPassword(m.Stdin)
	if err != nil {
		return err
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	u, err := m.services().accounts.Create(ctx, "cli", accounts.Input{Email: &f.email, Name: &f.name, Role: &f.role, Password: &pw, SurveyIDs: (*[]string)(&f.surveys)})
	switch {
	case delphi.ErrorCode(err) == delphi.ECONFLICT:
		return fmt.Errorf("a user with the e-mail %s exists already", strings.ToLower(strings.TrimSpace(f.email)))
	case err != nil:
		return errors.New(delphi.ErrorMessage(err))
	}
	fmt.Fprintf(m.Stdout, "created %s %s (id %s)\n", u.Role, u.Email, u.ID)
	return nil
}

// readPassword reads one line; the trailing newline is not part of the password.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// setUpDemo loads the demo study (a no-op when unchanged) and, when no staff
// account exists, creates the demo admin with a random password. The
// password is printed once, but it is an ordinary password: it stays valid
// until it is changed (PATCH /api/v1/users/{id}).
// It returns the login instructions to print.
func (m *Main) setUpDemo(ctx context.Context) (string, error) {
	data, err := fs.ReadFile(surveys.Examples, demoStudy)
	if err != nil {
		return "", err
	}
	def, err := survey.Parse("surveys/"+demoStudy, data)
	if err != nil {
		return "", err
	}
	if _, _, err := m.services().importer.Import(ctx, "demo", def); err != nil {
		return "", err
	}
	n, err := m.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return fmt.Sprintf("Log in with your account (the demo admin is %s; the password generated for it was printed at the first start).\n", demoAdmin), err
	}
	pw := auth.RandomID(9)
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	u := &delphi.User{Email: demoAdmin, Name: "Demo Admin", Role: delphi.RoleAdmin, SurveyIDs: []string{}, PasswordHash: hash}
	if err := m.store.CreateUser(ctx, u); err != nil {
		return "", err
	}
	return fmt.Sprintf("Log in as %s with the generated password %s (printed only now; it stays valid until you change it, see the README).\n", demoAdmin, pw), nil
}
