package handlers

import (
	"strconv"
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/assessment"
	"github.com/iup-platform/iup/domain/conference"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/domain/risk"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// Every free-text field of the API has a length limit: one character over
// it answers 422 naming the field and the limit, and nothing is written.
func TestEveryFreeTextFieldHasALimit(t *testing.T) {
	h := newHarness(t)
	const tenant = "kommun1"
	setupOrganiser(t, h, tenant)
	step := h.stepper(t)
	admin := h.token(tenant, "admin1", domain.RoleAdmin)
	mentor := h.token(tenant, "mentor1", domain.RoleMentor)
	teacher := h.token(tenant, "teacher1", domain.RoleTeacher)
	student := h.token(tenant, "s1", domain.RoleStudent)
	step("plan", "POST", "/v1/plans", mentor, map[string]any{"student_id": "s1", "template_id": "tpl1", "term": "sy25:HT",
		"title": "IUP", "start": "2025-08-18", "end": "2025-12-19"}, 201)
	step("goal", "POST", "/v1/plans/s1.sy25.HT/goals", mentor, map[string]any{"id": "g1", "text": "Läsa", "owner": "student", "follow_up": "2025-11-20"}, 201)
	step("round", "POST", "/v1/courses/sv4/assessments", teacher, map[string]any{"id": "r1", "term": "sy25:HT",
		"title": "Omdöme", "scale_id": "scale3", "self_assessment": true}, 201)
	step("conference", "POST", "/v1/conferences", mentor, map[string]any{"id": "c1", "student_id": "s1", "term": "sy25:HT",
		"at": "2025-11-12T14:00:00Z", "place": "Rum 1", "participants": []map[string]string{{"person_id": "g1", "role": "guardian"}}}, 201)

	long := func(n int) string { return strings.Repeat("a", n+1) }
	cases := []struct {
		name, token, method, path, field string
		limit                            int
		body                             map[string]any
	}{
		{"student name", admin, "POST", "/v1/students", "display_name", roster.MaxName, map[string]any{"id": "sx", "school_id": "school1", "grade": 4,
			"school_form": "grundskola", "display_name": long(roster.MaxName), "effective_from": "2025-08-11"}},
		{"guardian name", admin, "POST", "/v1/guardians", "display_name", roster.MaxName, map[string]any{"id": "gx", "display_name": long(roster.MaxName)}},
		{"staff name", admin, "POST", "/v1/staff", "display_name", roster.MaxName, map[string]any{"id": "tx", "display_name": long(roster.MaxName)}},
		{"school name", admin, "POST", "/v1/schools", "name", setup.MaxName, map[string]any{"id": "sch2", "name": long(setup.MaxName), "school_forms": []string{"grundskola"}}},
		{"subject name", admin, "PUT", "/v1/subjects/EN", "name", setup.MaxSubject, map[string]any{"name": long(setup.MaxSubject)}},
		{"course name", admin, "POST", "/v1/courses", "name", roster.MaxName, map[string]any{"id": "en4", "school_id": "school1", "subject": "SV",
			"name": long(roster.MaxName), "term": "sy25:HT"}},
		{"template heading", admin, "POST", "/v1/templates", "fields", setup.MaxName, map[string]any{"id": "tpl2", "title": "T", "fields": []map[string]any{
			{"key": "k", "heading": long(setup.MaxName), "visible_to": []string{"mentor"}, "editable_by": []string{"mentor"}}}}},
		{"legacy file name", mentor, "POST", "/v1/plans/s1.sy25.HT/legacy-documents", "file_name", plan.MaxFileName, map[string]any{"document_id": "d1",
			"file_name": long(plan.MaxFileName), "media_type": "application/pdf", "size": 10, "sha256": strings.Repeat("ab", 32)}},
		{"plan title", mentor, "POST", "/v1/plans", "title", plan.MaxTitle, map[string]any{"student_id": "s2", "template_id": "tpl1", "term": "sy25:HT",
			"title": long(plan.MaxTitle), "start": "2025-08-18", "end": "2025-12-19"}},
		{"plan field text", mentor, "PUT", "/v1/plans/s1.sy25.HT/fields/school_does", "text", plan.MaxFieldText, map[string]any{"text": long(plan.MaxFieldText)}},
		{"goal text", mentor, "POST", "/v1/plans/s1.sy25.HT/goals", "text", plan.MaxGoalText, map[string]any{"id": "g2", "text": long(plan.MaxGoalText),
			"owner": "student", "follow_up": "2025-11-20"}},
		{"goal evaluation comment", mentor, "POST", "/v1/plans/s1.sy25.HT/goals/g1/evaluation", "comment", plan.MaxComment,
			map[string]any{"outcome": "met", "comment": long(plan.MaxComment)}},
		{"plan agreements", mentor, "POST", "/v1/plans/s1.sy25.HT/agreements", "agreements", plan.MaxAgreement,
			map[string]any{"conference_id": "c1", "agreements": []string{long(plan.MaxAgreement)}}},
		{"round title", teacher, "POST", "/v1/courses/sv4/assessments", "title", assessment.MaxTitle, map[string]any{"id": "r2", "term": "sy25:HT",
			"title": long(assessment.MaxTitle), "scale_id": "scale3"}},
		{"omdöme comment", teacher, "PUT", "/v1/assessments/r1/entries/s1", "comment", assessment.MaxComment, map[string]any{"comment": long(assessment.MaxComment)}},
		{"self-assessment comment", student, "PUT", "/v1/assessments/r1/entries/s1/self-assessment", "comment", assessment.MaxComment,
			map[string]any{"comment": long(assessment.MaxComment)}},
		{"conference place", mentor, "PUT", "/v1/conferences/c1/booking", "place", conference.MaxPlace, map[string]any{"at": "2025-11-13T14:00:00Z",
			"place": long(conference.MaxPlace), "participants": []map[string]string{{"person_id": "g1", "role": "guardian"}}}},
		{"conference notes", mentor, "POST", "/v1/conferences/c1/held", "notes", conference.MaxNotes, map[string]any{"attendees": []string{"g1"}, "notes": long(conference.MaxNotes)}},
		{"conference agreements", mentor, "POST", "/v1/conferences/c1/held", "agreements", conference.MaxAgreement,
			map[string]any{"attendees": []string{"g1"}, "agreements": []string{long(conference.MaxAgreement)}}},
		{"action programme note", mentor, "POST", "/v1/conferences/c1/held", "action_note", conference.MaxActionNote,
			map[string]any{"attendees": []string{"g1"}, "action_programme": true, "action_note": long(conference.MaxActionNote)}},
		{"cancel reason", mentor, "POST", "/v1/conferences/c1/cancel", "reason", conference.MaxReason, map[string]any{"reason": long(conference.MaxReason)}},
		{"risk note", mentor, "PUT", "/v1/students/s1/risk-signals/SV", "note", risk.MaxNote, map[string]any{"term": "sy25:HT", "note": long(risk.MaxNote)}},
		{"risk withdrawal reason", mentor, "POST", "/v1/students/s1/risk-signals/SV/withdraw", "reason", risk.MaxReason, map[string]any{"reason": long(risk.MaxReason)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.method, c.path, c.token, c.body)
			if r.Status != 422 {
				t.Fatalf("%d characters in %s = %d, want 422: %.300s", c.limit+1, c.field, r.Status, r.Body)
			}
			p := r.json(t)
			if f, _ := p["field"].(string); !strings.HasPrefix(f, c.field) {
				t.Errorf("problem names field %q, want %s", p["field"], c.field)
			}
			if d, _ := p["detail"].(string); !strings.Contains(d, strconv.Itoa(c.limit)) {
				t.Errorf("problem detail %q does not state the limit %d", d, c.limit)
			}
		})
	}
}
