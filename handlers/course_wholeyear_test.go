package handlers

import (
	"testing"

	"github.com/iup-platform/iup/domain"
)

// A whole-year course is made through the API with the term naming its
// school year (the term's HT or VT does not count), and takes an
// assessment round in each term. The API used to pass the term's kind on,
// which the domain refuses for a whole-year course: none could be made.
func TestCreateWholeYearCourse(t *testing.T) {
	h := newHarness(t)
	setupOrganiser(t, h, "t1")
	step := h.stepper(t)
	admin := h.token("t1", "admin1", domain.RoleAdmin)
	teacher := h.token("t1", "teacher1", domain.RoleTeacher)
	step("whole-year course", "POST", "/v1/courses", admin, map[string]any{"id": "sv4y", "school_id": "school1", "subject": "SV",
		"name": "SV åk 4 hela året", "term": "sy25:VT", "whole_year": true}, 201)
	step("teacher", "PUT", "/v1/courses/sv4y/teachers/teacher1", admin, map[string]any{"effective_from": "2025-08-11"}, 200)
	for _, term := range []string{"HT", "VT"} {
		step("round "+term, "POST", "/v1/courses/sv4y/assessments", teacher, map[string]any{"id": "sv4y-" + term,
			"term": "sy25:" + term, "title": "Omdöme " + term, "scale_id": "scale3"}, 201)
	}
	// The same course again is the same request, answered alike.
	step("again", "POST", "/v1/courses", admin, map[string]any{"id": "sv4y", "school_id": "school1", "subject": "SV",
		"name": "SV åk 4 hela året", "term": "sy25:HT", "whole_year": true}, 201)
}
