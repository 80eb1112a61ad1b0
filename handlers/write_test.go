package handlers

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/setup"
)

func TestIdempotencyKeyReplaysTheAnswerAfterARestart(t *testing.T) {
	h := newHarness(t)
	admin := h.token("t1", "admin1", domain.RoleAdmin)
	first := must(t, h.do(http.MethodPost, "/v1/school-years", admin, schoolYear2025, IdempotencyKeyHeader, "key-1"), http.StatusCreated)
	id := first.json(t)["id"].(string)

	h.restart()
	again := must(t, h.do(http.MethodPost, "/v1/school-years", admin, schoolYear2025, IdempotencyKeyHeader, "key-1"), http.StatusCreated)
	if string(again.Body) != string(first.Body) {
		t.Fatalf("retry answered %s, first %s", again.Body, first.Body)
	}
	for _, hdr := range []string{"ETag", "Location", ConsistencyHeader} {
		if again.Header.Get(hdr) != first.Header.Get(hdr) {
			t.Fatalf("%s: retry %q, first %q", hdr, again.Header.Get(hdr), first.Header.Get(hdr))
		}
	}
	if again.Header.Get(ReplayedHeader) != "true" {
		t.Fatal("the retry does not say it was replayed")
	}
	if n := len(h.load(setup.SchoolYearStream("t1", id)).Events); n != 1 {
		t.Fatalf("the school year has %d events after the retry, want 1", n)
	}
	if n := len(h.load(setup.OrganiserStream("t1")).Events); n != 1 {
		t.Fatalf("the organiser's index has %d events after the retry, want 1", n)
	}

	// The same key for another request is refused; another caller's same
	// key is their own.
	other := map[string]any{"ht": map[string]string{"start": "2026-08-17", "end": "2026-12-18"},
		"vt": map[string]string{"start": "2027-01-07", "end": "2027-06-11"}}
	r := must(t, h.do(http.MethodPost, "/v1/school-years", admin, other, IdempotencyKeyHeader, "key-1"), http.StatusUnprocessableEntity)
	if r.json(t)["type"] != ProblemIdempotencyReuse {
		t.Fatalf("problem = %s", r.Body)
	}
	admin2 := h.token("t1", "admin2", domain.RoleAdmin)
	must(t, h.do(http.MethodPost, "/v1/school-years", admin2, other, IdempotencyKeyHeader, "key-1"), http.StatusCreated)
	// Without a key the same body is a new command (and a new id).
	must(t, h.do(http.MethodPost, "/v1/school-years", admin, other), http.StatusUnprocessableEntity) // overlaps admin2's year
}

func TestIdempotentBulkRetryCreatesNothingAndAnswersTheSame(t *testing.T) {
	h := newHarness(t)
	setupOrganiser(t, h, "t1")
	h.clock.Day("2025-09-01")
	mentor := h.token("t1", "mentor1", domain.RoleMentor)
	body := map[string]any{"template_id": "tpl1", "term": "sy25:HT", "title": "IUP", "start": "2025-08-18", "end": "2025-12-19",
		"student_ids": []string{"s1", "s2", "s3"}}
	first := must(t, h.do(http.MethodPost, "/v1/plans:bulk", mentor, body, IdempotencyKeyHeader, "bulk-1"), http.StatusOK)
	h.restart()
	// Two copies of the retry at once: both replay, neither writes.
	var wg sync.WaitGroup
	answers := make([]resp, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = h.do(http.MethodPost, "/v1/plans:bulk", mentor, body, IdempotencyKeyHeader, "bulk-1")
		}()
	}
	wg.Wait()
	for _, a := range answers {
		if a.Status != http.StatusOK || string(a.Body) != string(first.Body) {
			t.Fatalf("retry = %d %s, first %s", a.Status, a.Body, first.Body)
		}
	}
	term := domain.TermRef{SchoolYear: "sy25", Kind: domain.HT}
	for _, s := range []string{"s1", "s2", "s3"} {
		if n := len(h.load(plan.Stream("t1", s, term)).Events); n != 1 {
			t.Fatalf("plan of %s has %d events, want 1", s, n)
		}
	}
	// Without the key, the domain says the plans exist already.
	assertBulk(t, must(t, h.do(http.MethodPost, "/v1/plans:bulk", mentor, body), http.StatusOK), "unchanged", 3)
}

func TestIfMatchAndConcurrentEdits(t *testing.T) {
	h := newHarness(t)
	setupOrganiser(t, h, "t1")
	h.clock.Day("2025-09-01")
	mentor := h.token("t1", "mentor1", domain.RoleMentor)
	created := must(t, h.do(http.MethodPost, "/v1/plans", mentor, map[string]any{"student_id": "s1", "template_id": "tpl1",
		"term": "sy25:HT", "title": "IUP", "start": "2025-08-18", "end": "2025-12-19"}), http.StatusCreated)
	seen := created.Header.Get("ETag")
	path := "/v1/plans/s1.sy25.HT/fields/school_does"

	ok := must(t, h.do(http.MethodPut, path, mentor, map[string]any{"text": "Läsa"}, "If-Match", seen), http.StatusOK)
	if ok.Header.Get("ETag") == seen {
		t.Fatal("the ETag did not move")
	}
	// A second edit based on the old revision loses: 412 with the current one.
	stale := must(t, h.do(http.MethodPut, path, mentor, map[string]any{"text": "Skriva"}, "If-Match", seen), http.StatusPreconditionFailed)
	p := stale.json(t)
	if p["type"] != ProblemPreconditionFailed || etag(domain.Version(p["current_revision"].(float64))) != ok.Header.Get("ETag") {
		t.Fatalf("412 problem = %v, current ETag %s", p, ok.Header.Get("ETag"))
	}
	must(t, h.do(http.MethodPut, path, mentor, map[string]any{"text": "Skriva"}, "If-Match", ok.Header.Get("ETag")), http.StatusOK)
	must(t, h.do(http.MethodPut, path, mentor, map[string]any{"text": "x"}, "If-Match", "3"), http.StatusBadRequest)

	// Without If-Match, concurrent edits of fields are retried on the
	// server (they set absolute values): none fails.
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = h.do(http.MethodPut, path, mentor, map[string]any{"text": "Text " + string(rune('A'+i))}).Status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK && s != http.StatusConflict {
			t.Fatalf("concurrent edit %d: status %d", i, s)
		}
	}
}

func TestConflictCarriesTheCurrentRevision(t *testing.T) {
	h := newHarness(t)
	a := &API{streams: h.store}
	c := &cmd{Stream: setup.SchoolYearStream("t1", "sy1")}
	admin := h.token("t1", "admin1", domain.RoleAdmin)
	must(t, h.do(http.MethodPost, "/v1/school-years", admin, map[string]any{"id": "sy1", "ht": schoolYear2025["ht"], "vt": schoolYear2025["vt"]}), http.StatusCreated)
	err := a.withRevision(context.Background(), c, domain.Conflict("the record was changed by someone else"))
	p, _ := problemFor(context.Background(), err)
	if p.Status != http.StatusConflict || p.CurrentRevision == nil || *p.CurrentRevision != 0 {
		t.Fatalf("409 problem = %+v", p)
	}
}
