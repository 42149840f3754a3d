package session

import (
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// DefaultExpertCheckTTL is how long Main lets a verified expert session
// stand without reading it again (Service.ExpertCheckTTL): a few of an
// expert's autosaves. Within this process a change is seen at once (the
// store's change marks); another instance's change within this time.
const DefaultExpertCheckTTL = 5 * time.Second

// AloneExpertCheckTTL is ExpertCheckTTL when this process is the only one
// writing to the database (the embedded database admits one process): the
// change marks then see every change at once, so the time only bounds how
// long a mark that failed to change (a bug) could go unnoticed. It spares
// most sessions' three reads per few saves (docs/PERFORMANCE.md).
const AloneExpertCheckTTL = 2 * time.Minute

// maxExpertChecks bounds the verified sessions kept (memo.Memo: past it
// the memo starts empty, which costs each session one check).
const maxExpertChecks = 16384

// ChangeMarks tells whether this process changed what an expert check read
// (store.Store.ExpertCheckMark): the mark changes whenever this process
// finishes a write of the expert session, the expert or the study.
type ChangeMarks interface {
	ExpertCheckMark(sessionID, surveyID, expertID string) uint64
}

// expertCheck is a verified expert session: what Expert read, when, and
// the change mark taken before the reads. It holds what the session check
// returns anyway (the expert without identity: pseudonym, group, language,
// consent and decline times; the study without personal data), nothing of
// the identity an erasure deletes.
type expertCheck struct {
	session *delphi.ExpertSession
	expert  *delphi.Expert
	survey  *delphi.Survey
	at      time.Time
	mark    uint64
}

// cachedCheck returns the verified session id when it is still good: kept
// by this process less than ExpertCheckTTL ago, and none of its documents
// written by this process since. Off (false) without Marks or a TTL.
func (s *Service) cachedCheck(id, surveyID, expertID string, now time.Time) (*expertCheck, bool) {
	if s.Marks == nil || s.ExpertCheckTTL <= 0 {
		return nil, false
	}
	c, ok := s.checks.Get(id)
	if !ok || now.Before(c.at) || now.Sub(c.at) >= s.ExpertCheckTTL ||
		c.session.SurveyID != surveyID || c.session.ExpertID != expertID ||
		s.Marks.ExpertCheckMark(id, surveyID, expertID) != c.mark {
		return nil, false
	}
	return c, true
}

// markBefore returns the change mark to take before the reads of a check
// (0 when the cache is off).
func (s *Service) markBefore(id, surveyID, expertID string) uint64 {
	if s.Marks == nil || s.ExpertCheckTTL <= 0 {
		return 0
	}
	return s.Marks.ExpertCheckMark(id, surveyID, expertID)
}

// keepCheck keeps a session that passed every check, if the expert may
// write (consented, not declined): an expert who may not is read again on
// every request, so consenting on another instance, or a coordinator
// taking a decline back, is seen at once there too. What another instance
// changes is therefore only ever seen late in the permissive direction,
// for at most ExpertCheckTTL (docs/SECURITY.md).
func (s *Service) keepCheck(c *expertCheck) {
	if s.Marks == nil || s.ExpertCheckTTL <= 0 || c.expert.ConsentAt == nil || c.expert.DeclinedAt != nil {
		return
	}
	s.checksOnce.Do(func() { s.checks.Max = maxExpertChecks })
	s.checks.Put(c.session.ID, c)
}
