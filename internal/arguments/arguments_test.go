package arguments

import (
	"testing"
	"time"

	"github.com/expertenrunde/expertenrunde/internal/delphi"
)

func rated(id, item, stance string, at int, values ...int) delphi.RatedArgument {
	return delphi.RatedArgument{
		Argument: &delphi.Argument{ID: id, ItemID: item, Stance: stance, CreatedAt: time.Date(2026, 1, 1, 0, at, 0, 0, time.UTC)},
		Ratings:  delphi.SummarizeRatings(values),
	}
}

// TestTopArguments: the highest mean with at least min_ratings ratings;
// ties by more ratings, then the earlier post, then the id; hidden ones
// never; top per stance and item.
func TestTopArguments(t *testing.T) {
	hidden := rated("h", "r1", delphi.StancePro, 0, 5, 5, 5)
	hidden.Hidden = &delphi.ArgumentHidden{Reason: "x"}
	args := []delphi.RatedArgument{
		hidden,
		rated("few", "r1", delphi.StancePro, 1, 5),           // one rating: below min_ratings 2
		rated("mean4n2", "r1", delphi.StancePro, 2, 4, 4),    // mean 4, 2 ratings
		rated("mean4n3", "r1", delphi.StancePro, 3, 4, 4, 4), // mean 4, 3 ratings: wins the tie
		rated("late", "r1", delphi.StanceCon, 9, 3, 3),
		rated("early", "r1", delphi.StanceCon, 5, 3, 3), // same mean and n: the earlier wins
		rated("b", "r2", delphi.StanceCon, 1, 2, 2),
		rated("a", "r2", delphi.StanceCon, 1, 2, 2), // same time too: by id
	}
	top := TopArguments(args, delphi.ArgumentOptions{MinRatings: 2, Top: 1})
	check := func(item string, got []delphi.RatedArgument, want string) {
		t.Helper()
		if want == "" {
			if len(got) != 0 {
				t.Errorf("%s: got %s, want none", item, got[0].ID)
			}
			return
		}
		if len(got) != 1 || got[0].ID != want {
			t.Errorf("%s: got %v, want %s", item, got, want)
		}
	}
	check("r1 pro", top["r1"].Pro, "mean4n3")
	check("r1 con", top["r1"].Con, "early")
	check("r2 pro", top["r2"].Pro, "")
	check("r2 con", top["r2"].Con, "a")
	if two := TopArguments(args, delphi.ArgumentOptions{MinRatings: 2, Top: 2}); len(two["r1"].Pro) != 2 || two["r1"].Pro[1].ID != "mean4n2" {
		t.Errorf("top 2 of r1 pro: %v", two["r1"].Pro)
	}
	if one := TopArguments(args, delphi.ArgumentOptions{MinRatings: 1, Top: 1}); one["r1"].Pro[0].ID != "few" {
		t.Errorf("with min_ratings 1 the single 5 wins: %v", one["r1"].Pro)
	}
}

// TestGroupsShown: every group taking part (an answer or an argument) needs
// min_group_n members; a member counts once.
func TestGroupsShown(t *testing.T) {
	def := &delphi.Definition{Rounds: delphi.RoundPlan{Feedback: delphi.Feedback{MinGroupN: 2}}}
	v := delphi.Value{}
	four := 4.0
	v.Number = &four
	answered := func(expert, group string) *delphi.Response {
		return &delphi.Response{ExpertID: expert, Group: group, Answers: map[string]delphi.Answer{"r1": {Value: v}}}
	}
	opened := &delphi.Response{ExpertID: "e9", Group: "praxis", Answers: map[string]delphi.Answer{}}
	arg := func(expert, group string) *delphi.Argument { return &delphi.Argument{ExpertID: expert, Group: group} }
	cases := []struct {
		name      string
		responses []*delphi.Response
		args      []*delphi.Argument
		want      bool
	}{
		{"two and two", []*delphi.Response{answered("e1", "wiss"), answered("e2", "wiss"), answered("e3", "praxis")}, []*delphi.Argument{arg("e4", "praxis")}, true},
		{"one member of praxis", []*delphi.Response{answered("e1", "wiss"), answered("e2", "wiss"), answered("e3", "praxis")}, nil, false},
		{"a member counts once", []*delphi.Response{answered("e1", "wiss"), answered("e2", "wiss"), answered("e3", "praxis")}, []*delphi.Argument{arg("e3", "praxis")}, false},
		{"opening without an answer does not count", []*delphi.Response{answered("e1", "wiss"), answered("e2", "wiss"), answered("e3", "praxis"), opened}, nil, false},
	}
	for _, c := range cases {
		if got := GroupsShown(def, c.responses, c.args); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
