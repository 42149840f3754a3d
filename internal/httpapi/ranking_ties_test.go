package httpapi_test

import (
	"strings"
	"testing"
)

// TestRankingWithTiesOverHTTP: an item with ties: true takes {order,
// places}, refuses places that are no competition ranking with a message
// that says why, stores the ties and gives them back; the live results
// score tied options with their mid-rank.
func TestRankingWithTiesOverHTTP(t *testing.T) {
	e := newEnv(t)
	src := strings.Replace(readFile(t, "testdata/participation-study.yaml"),
		"      - id: k2\n        type: ranking\n", "      - id: k2\n        type: ranking\n        ties: true\n", 1)
	if !strings.Contains(src, "ties: true") {
		t.Fatal("k2 not found in the study")
	}
	e.importStudy("participation-study.yaml", src)
	e.openRound(ptStudy, "")
	x := e.addExpert(ptStudy, "wiss")
	auth := map[string]string{"Authorization": "Bearer " + e.session(x)}
	put := func(name, body string, status int, want ...string) scenario {
		return scenario{name: name, method: "PUT", url: "/api/v1/participation/answers/k2", headers: auth, body: body, status: status, want: want}
	}
	e.run([]scenario{
		{name: "consent", method: "POST", url: "/api/v1/participation/consent", headers: auth, status: 200},
		{name: "the item says it allows ties", method: "GET", url: "/api/v1/participation", headers: auth, status: 200, want: []string{`"id":"k2","type":"ranking"`, `"ties":true`}},
		put("tied", `{"value":{"order":["b","c","a"],"places":[1,1,3]},"seq":1}`, 200, `"value":{"order":["b","c","a"],"places":[1,1,3]}`, `"applied":true`),
		put("dense places refused", `{"value":{"order":["b","c","a"],"places":[1,1,2]},"seq":2}`, 422, `"field":"value"`,
			"place 2 of entry 3 is not possible: the first entry is at place 1, and each next one shares the place before it (a tie) or is at its position (3)"),
		put("one place short", `{"value":{"order":["b","c","a"],"places":[1,1]},"seq":2}`, 422, "give one place per ranked option: 3 options, 2 places"),
		{name: "the ties are stored", method: "GET", url: "/api/v1/participation", headers: auth, status: 200,
			want: []string{`"k2":{"value":{"order":["b","c","a"],"places":[1,1,3]}`}},
		put("no tie: a plain list", `{"value":{"order":["a","b","c"],"places":[1,2,3]},"seq":3}`, 200, `"value":["a","b","c"]`),
		put("tied again", `{"value":{"order":["b","c","a"],"places":[1,1,3]},"seq":4}`, 200),
		{name: "submit", method: "POST", url: "/api/v1/participation/submit", headers: auth, status: 200},
	})
	// b and c share places 1–2: mean rank 1.5 each; a is third.
	b := e.staff("GET", "/api/v1/surveys/"+ptStudy+"/rounds/1/results", "admin", "", 200)
	for _, want := range []string{`"ties":true`, `{"id":"a","mean_rank":3,"rank_sum":3`, `{"id":"b","mean_rank":1.5,"rank_sum":1.5`, `{"id":"c","mean_rank":1.5,"rank_sum":1.5`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("results lack %s: %s", want, b)
		}
	}
}
