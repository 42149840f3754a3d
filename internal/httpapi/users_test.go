package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// cookieHeader is the Cookie header of a browser holding the session and CSRF cookies.
func cookieHeader(sess, csrf *http.Cookie) string {
	return sess.Name + "=" + sess.Value + "; " + csrf.Name + "=" + csrf.Value
}

// TestDisableUser: an admin disables a coordinator, whose sessions end at
// once and whose login fails like a wrong password, also after a password
// reset; enabling lets the account log in again, its old sessions stay
// ended. Only admins may do it, cookie sessions need the CSRF token, and an
// admin cannot disable their own account.
func TestDisableUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.users["coord-a"]
	disable := "/api/v1/users/" + coord.ID + "/disable"
	enable := "/api/v1/users/" + coord.ID + "/enable"
	login := func(pw string) string { return `{"email":"coord-a@example.org","password":"` + pw + `"}` }
	newPW := "another-long-password"

	bearer := e.login("coord-a")
	coordSess, coordCSRF := e.loginCookies("coord-a")
	adminSess, adminCSRF := e.loginCookies("admin")
	adminCookie := cookieHeader(adminSess, adminCSRF)
	e.run([]scenario{
		{name: "the coordinator's bearer works before", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer " + bearer}, status: 200},
		{name: "the coordinator's cookie works before", method: "GET", url: "/api/v1/me", headers: map[string]string{"Cookie": cookieHeader(coordSess, coordCSRF)}, status: 200},
		{name: "no credentials", method: "POST", url: disable, status: 401},
		{name: "coordinator may not disable", method: "POST", url: "/api/v1/users/" + e.users["coord-b"].ID + "/disable", as: "coord-b", status: 403, want: []string{`"code":"forbidden"`}},
		{name: "researcher may not disable", method: "POST", url: disable, as: "researcher", status: 403},
		{name: "coordinator may not enable", method: "POST", url: enable, as: "coord-b", status: 403},
		{name: "cookie session without the CSRF token", method: "POST", url: disable, headers: map[string]string{"Cookie": adminCookie}, status: 403, want: []string{"CSRF"}},
		{name: "cookie session with a forged CSRF token", method: "POST", url: disable, headers: map[string]string{"Cookie": adminCookie, "X-CSRF-Token": "forged"}, status: 403, want: []string{"CSRF"}},
		{name: "still enabled after the refusals", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer " + bearer}, status: 200},
		{name: "unknown user", method: "POST", url: "/api/v1/users/nope/disable", as: "admin", status: 404},
		{name: "unknown user, enable", method: "POST", url: "/api/v1/users/nope/enable", as: "admin", status: 404},
		{name: "an admin cannot disable their own account", method: "POST", url: "/api/v1/users/" + e.users["admin"].ID + "/disable", as: "admin", status: 422, want: []string{`"field":"id"`, "your own account"}},
		{name: "the admin is still enabled", method: "GET", url: "/api/v1/me", as: "admin", status: 200, notWant: []string{"disabled_at"}},
		{name: "disable (cookie session with the CSRF token)", method: "POST", url: disable, headers: map[string]string{"Cookie": adminCookie, "X-CSRF-Token": adminCSRF.Value}, status: 200,
			want: []string{`"id":"` + coord.ID + `"`, `"disabled_at":"2026-11-26T09:00:00Z"`}, notWant: []string{"argon2"}},
		{name: "the existing bearer session ends", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer " + bearer}, status: 401},
		{name: "the existing cookie session ends", method: "GET", url: "/api/v1/me", headers: map[string]string{"Cookie": cookieHeader(coordSess, coordCSRF)}, status: 401},
		{name: "login with the right password fails like a wrong one", method: "POST", url: "/api/v1/auth/login", body: login(testPassword), status: 401,
			want: []string{"wrong e-mail or password"}, notWant: []string{"disabled", "token"}},
		{name: "the list shows the state", method: "GET", url: "/api/v1/users", as: "admin", status: 200, want: []string{`"disabled_at":"2026-11-26T09:00:00Z"`}},
	})

	// Later: a second disable keeps the first time; enabling does not bring
	// the old sessions back; a password reset does not let a disabled
	// account in.
	e.clock.add(20 * time.Minute)
	e.run([]scenario{
		{name: "disabling again keeps the time", method: "POST", url: disable, as: "admin", status: 200, want: []string{`"disabled_at":"2026-11-26T09:00:00Z"`}},
		{name: "enable", method: "POST", url: enable, as: "admin", status: 200, want: []string{`"id":"` + coord.ID + `"`}, notWant: []string{"disabled_at"}},
		{name: "enabling again is a no-op", method: "POST", url: enable, as: "admin", status: 200, notWant: []string{"disabled_at"}},
		{name: "the old bearer session stays ended", method: "GET", url: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer " + bearer}, status: 401},
		{name: "the old cookie session stays ended", method: "GET", url: "/api/v1/me", headers: map[string]string{"Cookie": cookieHeader(coordSess, coordCSRF)}, status: 401},
		{name: "login works again", method: "POST", url: "/api/v1/auth/login", body: login(testPassword), status: 200, want: []string{`"token":"`, `"email":"coord-a@example.org"`}, notWant: []string{"disabled_at"}},
		{name: "the list shows the account enabled", method: "GET", url: "/api/v1/users", as: "admin", status: 200, notWant: []string{"disabled_at"}},
		{name: "disable once more", method: "POST", url: disable, as: "admin", status: 200, want: []string{`"disabled_at":"2026-11-26T09:20:00Z"`}},
		{name: "an admin resets the password", method: "PATCH", url: "/api/v1/users/" + coord.ID, as: "admin", body: `{"password":"` + newPW + `"}`, status: 200, want: []string{`"disabled_at":"2026-11-26T09:20:00Z"`}},
		{name: "the new password does not log in either", method: "POST", url: "/api/v1/auth/login", body: login(newPW), status: 401, want: []string{"wrong e-mail or password"}},
		{name: "enable after the reset", method: "POST", url: enable, as: "admin", status: 200, notWant: []string{"disabled_at"}},
		{name: "the old password is gone", method: "POST", url: "/api/v1/auth/login", body: login(testPassword), status: 401},
		{name: "the new password logs in", method: "POST", url: "/api/v1/auth/login", body: login(newPW), status: 200, want: []string{`"token":"`}},
		{name: "audited", method: "GET", url: "/api/v1/audit", as: "admin", status: 200,
			want: []string{`"action":"user.disable"`, `"action":"user.enable"`, `"target":"` + coord.ID + `"`}},
	})
}

// TestDisabledLoginRevealsNothing: a disabled account's right password gets
// the very body of a wrong password and of an unknown account, and counts
// against the login limit like a failure, so neither tells a guesser the
// password was right.
func TestDisabledLoginRevealsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff("POST", "/api/v1/users/"+e.users["coord-a"].ID+"/disable", "admin", "", 200)
	body := func(email, pw string) string {
		s, b := e.call("POST", "/api/v1/auth/login", "", `{"email":"`+email+`","password":"`+pw+`"}`)
		if s != 401 {
			t.Fatalf("login %s: %d %s", email, s, b)
		}
		return string(b)
	}
	right := body("coord-a@example.org", testPassword)
	wrong := body("coord-b@example.org", "wrong-password-123")
	unknown := body("nobody@example.org", "wrong-password-123")
	if right != wrong || right != unknown {
		t.Fatalf("disabled with the right password %s, wrong password %s, unknown account %s", right, wrong, unknown)
	}
	for i := 2; i <= 5; i++ {
		body("coord-a@example.org", testPassword)
	}
	// After five right-password attempts the account is limited, exactly as
	// after five wrong ones (TestLoginRateLimit).
	if s, b := e.call("POST", "/api/v1/auth/login", "", `{"email":"coord-a@example.org","password":"`+testPassword+`"}`); s != 429 {
		t.Fatalf("6th attempt on the disabled account: %d %s, want 429", s, b)
	}
}

// hookedUsers is the user store with a hook run after each change of an
// account's disabled state.
type hookedUsers struct {
	delphi.UserStore
	afterDisable hook
	afterUpdate  hook
}

func (h *hookedUsers) UpdateUser(ctx context.Context, u *delphi.User) error {
	err := h.UserStore.UpdateUser(ctx, u)
	h.afterUpdate.fire()
	return err
}

func (h *hookedUsers) SetUserDisabled(ctx context.Context, id string, at *time.Time) (*delphi.User, bool, error) {
	u, changed, err := h.UserStore.SetUserDisabled(ctx, id, at)
	h.afterDisable.fire()
	return u, changed, err
}

// TestDisableLastAdmin: the last enabled admin cannot be disabled. The
// caller is an enabled admin and cannot disable itself, so this happens
// only when two admins disable each other at once (here, the other
// admin's disable of the caller lands right after the caller's write, as
// from another instance): one of the two stays enabled.
func TestDisableLastAdmin(t *testing.T) {
	t.Parallel()
	var users *hookedUsers
	e := newEnv(t, func(w *wiring) {
		users = &hookedUsers{UserStore: w.users}
		w.users = users
	})
	ctx := context.Background()
	second := &delphi.User{Email: "admin2@example.org", Role: delphi.RoleAdmin, PasswordHash: hashOnce(t)}
	if err := e.st.CreateUser(ctx, second); err != nil {
		t.Fatal(err)
	}
	e.users["admin2"] = second
	admin := e.users["admin"]
	e.login("admin")
	e.login("admin2")

	users.afterDisable.arm(func() {
		at := e.clock.now()
		if _, _, err := e.st.SetUserDisabled(ctx, admin.ID, &at); err != nil {
			t.Errorf("the other admin's disable: %v", err)
		}
	})
	e.run([]scenario{
		{name: "the last enabled admin cannot be disabled", method: "POST", url: "/api/v1/users/" + second.ID + "/disable", as: "admin", status: 409,
			want: []string{`"code":"conflict"`, `"field":"id"`, "last enabled admin"}},
	})
	for id, wantDisabled := range map[string]bool{second.ID: false, admin.ID: true} {
		u, err := e.st.UserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Disabled() != wantDisabled {
			t.Errorf("%s disabled = %v, want %v", u.Email, u.Disabled(), wantDisabled)
		}
	}
	e.run([]scenario{
		{name: "the remaining admin still works", method: "GET", url: "/api/v1/users", as: "admin2", status: 200},
		{name: "the refusal left no audit entry", method: "GET", url: "/api/v1/audit", as: "admin2", status: 200, notWant: []string{"user.disable"}},
		{name: "the remaining admin enables the other", method: "POST", url: "/api/v1/users/" + admin.ID + "/enable", as: "admin2", status: 200},
	})
	e.run([]scenario{
		{name: "with two enabled admins, one may disable the other", method: "POST", url: "/api/v1/users/" + second.ID + "/disable", as: "admin", status: 200, want: []string{`"disabled_at":`}},
		{name: "a disabled admin's session is refused", method: "GET", url: "/api/v1/users", headers: map[string]string{"Authorization": "Bearer " + e.bearer["admin2"]}, status: 401},
	})
}

// TestDisabledUserWithFreshSession: a session that a login racing the
// disable created after the sessions were revoked is refused too, because
// every request reads the account.
func TestDisabledUserWithFreshSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.users["coord-a"]
	e.staff("POST", "/api/v1/users/"+coord.ID+"/disable", "admin", "", 200)
	now := e.clock.now()
	sess := &delphi.Session{ID: "racing-login", UserID: coord.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.st.CreateSession(context.Background(), sess); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.tokens.Issue(auth.AudienceStaff, coord.ID, sess.ID, "", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if s, b := e.call("GET", "/api/v1/me", tok, ""); s != 401 || strings.Contains(string(b), coord.Email) {
		t.Fatalf("disabled account's fresh session: %d %s", s, b)
	}
	e.staff("POST", "/api/v1/users/"+coord.ID+"/enable", "admin", "", 200)
	if s, b := e.call("GET", "/api/v1/me", tok, ""); s != 200 {
		t.Fatalf("control: the same session after enabling: %d %s", s, b)
	}
}

// TestDemoteLastAdmin: the last enabled admin keeps the admin role, also
// when two admins demote each other at once (the other admin's demotion of
// the caller lands right after the caller's write).
func TestDemoteLastAdmin(t *testing.T) {
	t.Parallel()
	var users *hookedUsers
	e := newEnv(t, func(w *wiring) {
		users = &hookedUsers{UserStore: w.users}
		w.users = users
	})
	ctx := context.Background()
	admin := e.users["admin"]
	e.run([]scenario{
		{name: "the only admin cannot demote itself", method: "PATCH", url: "/api/v1/users/" + admin.ID, as: "admin",
			body: `{"role":"coordinator"}`, status: 409, want: []string{`"code":"conflict"`, `"field":"role"`, "last enabled admin"}},
		{name: "other changes of the only admin are fine", method: "PATCH", url: "/api/v1/users/" + admin.ID, as: "admin",
			body: `{"name":"Die Admin"}`, status: 200, want: []string{`"role":"admin"`}},
	})
	second := &delphi.User{Email: "admin2@example.org", Role: delphi.RoleAdmin, PasswordHash: hashOnce(t)}
	if err := e.st.CreateUser(ctx, second); err != nil {
		t.Fatal(err)
	}
	users.afterUpdate.arm(func() {
		u, err := e.st.UserByID(ctx, admin.ID)
		if err == nil {
			u.Role = delphi.RoleCoordinator
			err = e.st.UpdateUser(ctx, u)
		}
		if err != nil {
			t.Errorf("the other admin's demotion: %v", err)
		}
	})
	e.run([]scenario{
		{name: "admins demoting each other at once leave one admin", method: "PATCH", url: "/api/v1/users/" + second.ID, as: "admin",
			body: `{"role":"researcher"}`, status: 409, want: []string{`"field":"role"`}},
	})
	for id, want := range map[string]string{second.ID: delphi.RoleAdmin, admin.ID: delphi.RoleCoordinator} {
		u, err := e.st.UserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != want {
			t.Errorf("%s role = %s, want %s", u.Email, u.Role, want)
		}
	}
	// A disabled admin does not count: with the second admin disabled, the
	// first (made admin again) is the last one.
	u, _ := e.st.UserByID(ctx, admin.ID)
	u.Role = delphi.RoleAdmin
	if err := e.st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	at := e.clock.now()
	if _, _, err := e.st.SetUserDisabled(ctx, second.ID, &at); err != nil {
		t.Fatal(err)
	}
	e.run([]scenario{
		{name: "a disabled second admin does not count", method: "PATCH", url: "/api/v1/users/" + admin.ID, as: "admin",
			body: `{"role":"coordinator"}`, status: 409, want: []string{`"field":"role"`}},
	})
}
