package store_test

import (
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

// TestEraseLeavesNoPersonalData looks into the raw collections: after
// erasure no document holds the person's name or e-mail.
func TestEraseLeavesNoPersonalData(t *testing.T) {
	t.Parallel()
	s := openStore(t, shared.URI())
	ctx := t.Context()
	e := &delphi.Expert{SurveyID: "s1", Name: "Zora Zufall", Email: "zora@example.org", Organisation: "Zufall GmbH", Group: "g", Language: "de"}
	if err := s.CreateExpert(ctx, e); err != nil {
		t.Fatal(err)
	}
	_, hash := delphi.NewAccessToken()
	if err := s.SetAccessToken(ctx, "s1", e.ID, hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.EraseExpert(ctx, "s1", e.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"experts", "expert_identities", "expert_emails", "pseudonyms", "access_tokens"} {
		cur, err := s.DB().Collection(col).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			text, _ := bson.MarshalExtJSON(d, false, false)
			for _, pii := range []string{"zora", "Zora", "Zufall"} {
				if strings.Contains(string(text), pii) {
					t.Errorf("%s still holds %q after erasure: %s", col, pii, text)
				}
			}
			if col == "access_tokens" {
				t.Errorf("access token kept after erasure: %s", text)
			}
		}
	}
}
