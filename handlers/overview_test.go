package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/projections/views/staff"
)

// The mentor overview is served as stored when nothing needs cutting and
// decoded and cut otherwise; either way the answer is, byte for byte, what
// decoding the stored document with encoding/json, cutting it and encoding
// it with writeJSON gives, and every student shown, and only those, is in
// the access log.
func TestMentorOverviewAsStoredOrCut(t *testing.T) {
	h := newFullHarness(t)
	const tenant = "kommun1"
	setupOrganiser(t, h, tenant)
	admin := h.token(tenant, "admin1", domain.RoleAdmin)
	mentor := h.token(tenant, "mentor1", domain.RoleMentor)
	overview := "/v1/mentors/mentor1/terms/sy25:HT/overview"
	term := domain.TermRef{SchoolYear: "sy25", Kind: domain.HT}
	h.clock.Day("2025-10-20")
	// A write after the setup: its token waits for the whole class.
	caughtUp := func(r resp) {
		t.Helper()
		pos, err := h.tokens.Parse(tenant, r.Header.Get(ConsistencyHeader))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.read.WaitFor(ctx, staff.MentorOverviewName, pos); err != nil {
			t.Fatalf("the overview did not catch up: %v", err)
		}
	}
	caughtUp(must(t, h.do(http.MethodPut, "/v1/subjects/NO", admin, map[string]any{"name": "NO"}), 200))

	// want is the answer the handler gave before it served stored bytes.
	want := func(role domain.Role) []byte {
		t.Helper()
		docs, err := h.read.Get(context.Background(), staff.MentorOverviewName, staff.MentorOverviewKey(tenant, "mentor1", term))
		if err != nil || len(docs) == 0 || docs[0] == nil {
			t.Fatalf("the stored overview: %v", err)
		}
		var doc staff.MentorOverviewDoc
		if err := json.Unmarshal(docs[0], &doc); err != nil {
			t.Fatal(err)
		}
		if role == domain.RoleMentor {
			rows := doc.Rows[:0:0]
			for _, r := range doc.Rows {
				if r.MentoredOn(domain.MustDate("2025-10-20")) {
					rows = append(rows, r)
				}
			}
			doc.Rows = rows
		}
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(doc); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	students := func(body []byte) map[string]bool {
		t.Helper()
		var doc staff.MentorOverviewDoc
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("the overview: %v: %s", err, body)
		}
		out := map[string]bool{}
		for _, r := range doc.Rows {
			out[r.StudentID] = true
		}
		return out
	}
	logged := func(student string) int {
		t.Helper()
		var out struct {
			Entries []AccessEntry `json:"entries"`
		}
		if err := json.Unmarshal(must(t, h.do(http.MethodGet, "/v1/access-log?student="+student+"&limit=1000", admin, nil), 200).Body, &out); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range out.Entries {
			if e.ActorID == "mentor1" && e.What == "mentor-overview" && e.Object == "mentor1/sy25:HT" {
				n++
			}
		}
		return n
	}

	// Every mentee current: served as stored.
	r := must(t, h.do(http.MethodGet, overview, mentor, nil), 200)
	if got, w := r.Body, want(domain.RoleMentor); !bytes.Equal(got, w) {
		t.Fatalf("the overview as stored:\n%s\nwant\n%s", got, w)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", r.Header)
	}
	if s := students(r.Body); !s["s1"] || !s["s2"] || !s["s3"] {
		t.Fatalf("students %v", s)
	}
	if logged("s1") != 1 || logged("s2") != 1 || logged("s3") != 1 {
		t.Fatalf("access log: s1 %d, s2 %d, s3 %d entries, want 1 each", logged("s1"), logged("s2"), logged("s3"))
	}

	// s2 leaves mentor1 today: a mentor sees the class without s2, and the
	// read is not logged for s2; an admin still sees s2 (the row lists the
	// mentor's periods overlapping the term).
	caughtUp(must(t, h.do(http.MethodPost, "/v1/students/s2/mentors/mentor1/end", admin, map[string]any{"effective_from": "2025-10-20"}), 200))
	r = must(t, h.do(http.MethodGet, overview, mentor, nil), 200)
	if got, w := r.Body, want(domain.RoleMentor); !bytes.Equal(got, w) {
		t.Fatalf("the overview cut:\n%s\nwant\n%s", got, w)
	}
	if s := students(r.Body); !s["s1"] || s["s2"] || !s["s3"] {
		t.Fatalf("a mentor's students after s2 left: %v", s)
	}
	if logged("s1") != 2 || logged("s2") != 1 || logged("s3") != 2 {
		t.Fatalf("access log: s1 %d, s2 %d, s3 %d entries, want 2, 1, 2", logged("s1"), logged("s2"), logged("s3"))
	}
	r = must(t, h.do(http.MethodGet, overview, admin, nil), 200)
	if got, w := r.Body, want(domain.RoleAdmin); !bytes.Equal(got, w) {
		t.Fatalf("the overview to an admin:\n%s\nwant\n%s", got, w)
	}
	if s := students(r.Body); !s["s2"] {
		t.Fatalf("an admin's students: %v", s)
	}
}

// The cut drops former mentees' rows from the stored bytes: the same
// bytes as decoding, cutting and encoding, whatever the rows hold.
func TestOverviewCutOfStoredBytes(t *testing.T) {
	cache, err := lru.New[string, *storedOverview](4)
	if err != nil {
		t.Fatal(err)
	}
	a := &API{reads: &reads{overviews: cache}}
	d := domain.MustDate
	period := func(from, to string) []staff.Period {
		p := staff.Period{From: d(from)}
		if to != "" {
			p.To = d(to)
		}
		return []staff.Period{p}
	}
	doc := staff.MentorOverviewDoc{MentorID: "m1", Term: domain.TermRef{SchoolYear: "sy25", Kind: domain.HT},
		TermStart: d("2025-08-18"), TermEnd: d("2025-12-19"), Courses: []staff.CourseProgress{{CourseID: "c1", Name: `"rows":[{}]`}}}
	for i, name := range []string{`Elev "rows":[`, "Elev <b>&</b>", `Elev \ ]`, "Elev ,]}", "Åsa"} {
		to := ""
		if i%2 == 1 {
			to = "2025-10-01" // a former mentee on 2025-10-20
		}
		doc.Rows = append(doc.Rows, staff.MenteeRow{StudentID: fmt.Sprint("s", i), Name: name, Mentor: period("2025-08-11", to),
			Subjects: []staff.SubjectCell{{Subject: "SV", CourseID: "c1"}}, Risks: []staff.RiskSignal{}})
	}
	raw, err := gojson.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role  domain.Role
		day   string
		shown []string
	}{
		{domain.RoleMentor, "2025-10-20", []string{"s0", "s2", "s4"}},
		{domain.RoleMentor, "2025-09-20", []string{"s0", "s1", "s2", "s3", "s4"}},
		{domain.RoleMentor, "2025-08-01", nil},
		{domain.RoleAdmin, "2025-10-20", []string{"s0", "s1", "s2", "s3", "s4"}},
	} {
		o, err := a.storedOverview("k", raw)
		if err != nil || o.spans == nil {
			t.Fatalf("rows not located (%v): %s", err, raw)
		}
		body, shown, ok := o.answer(c.role, d(c.day))
		if !ok {
			t.Fatalf("%s on %s: not answered from the stored bytes", c.role, c.day)
		}
		cut := doc
		cut.Rows = []staff.MenteeRow{}
		var ids []string
		for _, i := range shown {
			ids = append(ids, o.rows[i].StudentID)
		}
		for _, r := range doc.Rows {
			if slices.Contains(c.shown, r.StudentID) {
				cut.Rows = append(cut.Rows, r)
			}
		}
		want, err := json.Marshal(cut)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want) || !slices.Equal(ids, c.shown) {
			t.Errorf("%s on %s: shown %v\n%s\nwant %v\n%s", c.role, c.day, ids, body, c.shown, want)
		}
	}
	// A protected row is decoded (its name depends on the caller).
	doc.Rows[0].Protected, doc.Rows[0].Name = true, ""
	if raw, err = gojson.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if o, err := a.storedOverview("k", raw); err != nil {
		t.Fatal(err)
	} else if _, _, ok := o.answer(domain.RoleAdmin, d("2025-10-20")); ok {
		t.Error("a protected row answered from the stored bytes")
	}
}
