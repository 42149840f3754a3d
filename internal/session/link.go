package session

import (
	"context"
	"strings"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/auth"
	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// Link exchange rate limit: links checked per client within LinkWindow,
// and the longest token looked up.
const (
	LinkWindow         = 10 * time.Minute
	MaxLinksPerClient  = 20
	MaxLinkTokenLength = 256
)

// ExpertLogin is an expert signed in through their personal link: the new
// session and its first token.
type ExpertLogin struct {
	Session *delphi.ExpertSession
	Token   *Token
}

// Exchange exchanges a personal link token for an expert session, counted
// against client. The check of each link is reserved first (at most
// MaxLinksPerClient in LinkWindow), atomically, so parallel guesses cannot
// all pass the limit; it counts as a failure unless the link is valid.
//
// Errors: ERATELIMIT with RetryAfter (the client's limit is full, even for
// a valid link); ENOTFOUND "this link is not valid", alike for an empty,
// overlong, unknown, replaced or revoked link, an erased expert and a
// closed study; store errors.
func (s *Service) Exchange(ctx context.Context, linkToken, client string) (*ExpertLogin, error) {
	now := s.now()
	key := "token:ip:" + client
	res, err := s.reserve(ctx, now, LinkWindow, "too many invalid links; try again later", limit{key, MaxLinksPerClient})
	if err != nil {
		return nil, err
	}
	invalid := delphi.Errorf(delphi.ENOTFOUND, "this link is not valid")
	tok := strings.TrimSpace(linkToken)
	if tok == "" || len(tok) > MaxLinkTokenLength {
		return nil, invalid
	}
	hash := delphi.HashAccessToken(tok)
	e, err := s.Experts.ExpertByTokenHash(ctx, hash)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND {
		return nil, invalid
	} else if err != nil {
		return nil, res.cancel(ctx, err)
	}
	sv, err := s.Surveys.SurveyByID(ctx, e.SurveyID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND || err == nil && sv.Status == delphi.SurveyClosed {
		return nil, invalid
	} else if err != nil {
		return nil, res.cancel(ctx, err)
	}
	if err := res.takeBack(ctx, key); err != nil { // a valid link is no failure
		return nil, err
	}
	sess := &delphi.ExpertSession{
		ID: auth.RandomID(16), ExpertID: e.ID, SurveyID: e.SurveyID, TokenHash: hash,
		CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(s.sessionMax()),
	}
	if err := s.ExpertSessions.CreateExpertSession(ctx, sess); err != nil {
		return nil, err
	}
	t, err := s.ExpertToken(sess)
	if err != nil {
		return nil, err
	}
	return &ExpertLogin{Session: sess, Token: t}, nil
}

// ExpertToken signs a fresh expert token for sess, bound to its study and
// expert and to the session's end.
func (s *Service) ExpertToken(sess *delphi.ExpertSession) (*Token, error) {
	return s.issue(auth.AudienceExpert, sess.ExpertID, sess.ID, sess.SurveyID, sess.ExpiresAt)
}

// Expert is an authenticated expert: the session, the expert its link
// resolves to, and the study.
type Expert struct {
	Session *delphi.ExpertSession
	Expert  *delphi.Expert
	Survey  *delphi.Survey
	Renewed *Token // a fresh token for the cookie, when it was past half its lifetime
}

// Expert authenticates an expert token: its signature and claims, its
// session still active and of the token's expert and study, the session's
// link still resolving to that expert (a re-issued or revoked link, or an
// erased expert, ends every session), the CSRF token of a cookie on an
// unsafe request, and the study not closed. The expert comes only from the
// session, never from the request.
//
// With Marks and ExpertCheckTTL set, a session that passed these checks is
// not read again for ExpertCheckTTL unless this process wrote its session,
// expert or study since (expert_cache.go): the token, its expiry, the
// session's end and the CSRF token are checked on every request; a change
// made by another instance takes effect within ExpertCheckTTL.
//
// Errors: EUNAUTHORIZED ("your session has ended", or "this link is no
// longer valid" when the link no longer resolves); EFORBIDDEN (missing or
// wrong CSRF token); ENOTFOUND (the study is gone or closed); store
// errors.
func (s *Service) Expert(ctx context.Context, p Presented) (*Expert, error) {
	unauth := delphi.Errorf(delphi.EUNAUTHORIZED, "your session has ended; open your personal link again")
	claims, err := s.Tokens.Parse(p.Token, auth.AudienceExpert)
	if err != nil {
		return nil, unauth
	}
	now := s.now()
	c, ok := s.cachedCheck(claims.SessionID, claims.SurveyID, claims.Subject, now)
	if !ok {
		if c, err = s.checkExpert(ctx, claims, now); err != nil {
			return nil, err
		}
	}
	sess := c.session
	if !sess.Active(now) {
		return nil, unauth
	}
	if err := s.checkCSRF(p, sess.ID); err != nil {
		return nil, err
	}
	out := &Expert{Session: sess, Expert: c.expert, Survey: c.survey}
	if renew(p, claims, now) {
		if out.Renewed, err = s.ExpertToken(sess); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkExpert reads and checks what Expert checks of the session claims
// names (the session, the expert through the session's link, the study),
// and keeps it (keepCheck) when it passes. Errors: as Expert's.
func (s *Service) checkExpert(ctx context.Context, claims *auth.Claims, now time.Time) (*expertCheck, error) {
	unauth := delphi.Errorf(delphi.EUNAUTHORIZED, "your session has ended; open your personal link again")
	mark := s.markBefore(claims.SessionID, claims.SurveyID, claims.Subject)
	sess, err := s.ExpertSessions.ExpertSessionByID(ctx, claims.SessionID)
	if err != nil {
		return nil, notFoundAs(err, unauth)
	}
	if !sess.Active(now) || sess.ExpertID != claims.Subject || sess.SurveyID != claims.SurveyID {
		return nil, unauth
	}
	// One read: the expert's own document names the link in force, so a
	// re-issued or revoked link or an erasure ends the session; the
	// identity is not needed to answer.
	e, err := s.Experts.ExpertByLink(ctx, sess.SurveyID, sess.ExpertID, sess.TokenHash)
	if err != nil {
		return nil, notFoundAs(err, delphi.Errorf(delphi.EUNAUTHORIZED, "this link is no longer valid"))
	}
	sv, err := s.Surveys.SurveyByID(ctx, sess.SurveyID)
	if delphi.ErrorCode(err) == delphi.ENOTFOUND || err == nil && sv.Status == delphi.SurveyClosed {
		return nil, delphi.Errorf(delphi.ENOTFOUND, "not found")
	} else if err != nil {
		return nil, err
	}
	c := &expertCheck{session: sess, expert: e, survey: sv, at: now, mark: mark}
	s.keepCheck(c)
	return c, nil
}
