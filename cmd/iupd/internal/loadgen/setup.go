package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// job is one setup request.
type job func(ctx context.Context) error

// setupPhases returns the organiser's setup as phases: every request of a
// phase depends only on earlier phases, so a phase runs in parallel. Bulk
// endpoints do what a school does for a whole class in one request.
func (g *generator) setupPhases() [][]job {
	o, cal := g.org, g.org.Calendar
	admin := func(method, path string, body any, want ...int) job {
		return g.setupCall("admin", roleAdmin, method, path, body, want...)
	}
	from := Day(cal.From)
	var p1, p2, p3, p4, p5 []job

	// 1. The organiser: subjects, schools and their school years, a scale, a template.
	for _, s := range subjects[:min(g.cfg.Size.CoursesPerClass, len(subjects))] {
		p1 = append(p1, admin(http.MethodPut, "/v1/subjects/"+s.code, map[string]any{"name": s.name}, 200))
	}
	p1 = append(p1, admin(http.MethodPost, "/v1/scales", map[string]any{"id": "scale3", "name": "Tre steg", "steps": []map[string]string{
		{"key": "1", "label": "Inte godtagbara"}, {"key": "2", "label": "Godtagbara"}, {"key": "3", "label": "Mer än godtagbara"}}}, 201))
	everyone := []string{"admin", "principal", "mentor", "teacher", "student", "guardian"}
	staffOnly := []string{"admin", "principal", "mentor", "teacher"}
	p1 = append(p1, admin(http.MethodPost, "/v1/templates", map[string]any{"id": "iup", "title": "IUP", "fields": []map[string]any{
		{"key": "school_does", "heading": "Skolan gör", "visible_to": everyone, "editable_by": []string{"mentor"}},
		{"key": "student_does", "heading": "Eleven gör", "visible_to": everyone, "editable_by": []string{"mentor", "student"}},
		{"key": "staff_notes", "heading": "Personalens anteckningar", "visible_to": staffOnly, "editable_by": []string{"mentor"}, "sensitive": true},
	}}, 201))
	for _, s := range o.Schools {
		s := s
		p1 = append(p1, func(ctx context.Context) error {
			if err := admin(http.MethodPost, "/v1/schools", map[string]any{"id": s.ID, "name": "Skola " + s.ID,
				"school_forms": []string{"grundskola"}}, 201)(ctx); err != nil {
				return err
			}
			return admin(http.MethodPost, "/v1/school-years", map[string]any{"id": s.YearID, "school_id": s.ID,
				"ht": map[string]string{"start": Day(cal.HTStart), "end": Day(cal.HTEnd)},
				"vt": map[string]string{"start": Day(cal.VTStart), "end": Day(cal.VTEnd)}}, 201)(ctx)
		})
	}

	// 2. People: staff with their roles, students, guardians.
	staff := func(id, role, school string) job {
		return func(ctx context.Context) error {
			if err := admin(http.MethodPost, "/v1/staff", map[string]any{"id": id, "display_name": "Personal " + id}, 201)(ctx); err != nil {
				return err
			}
			return admin(http.MethodPost, "/v1/staff/"+id+"/roles", map[string]any{"role": role, "school_id": school, "effective_from": from}, 200)(ctx)
		}
	}
	for _, c := range o.Classes {
		p2 = append(p2, staff(c.Mentor, "mentor", c.School.ID))
	}
	for _, t := range o.Teachers {
		p2 = append(p2, staff(t.ID, "teacher", t.School.ID))
	}
	for _, st := range o.Students {
		p2 = append(p2, admin(http.MethodPost, "/v1/students", map[string]any{"id": st.ID, "school_id": st.Class.School.ID,
			"grade": st.Class.Grade, "school_form": "grundskola", "display_name": "Elev " + st.ID, "effective_from": from}, 201))
	}
	for _, gd := range o.Guardians {
		p2 = append(p2, admin(http.MethodPost, "/v1/guardians", map[string]any{"id": gd.ID, "display_name": "VH " + gd.ID}, 201))
	}

	// 3. Relations: custody, a mentor for each class (bulk), the courses.
	for _, gd := range o.Guardians {
		for _, st := range gd.Children {
			p3 = append(p3, admin(http.MethodPut, "/v1/students/"+st.ID+"/guardians/"+gd.ID,
				map[string]any{"relation": "vardnadshavare", "effective_from": from}, 200))
		}
	}
	for _, c := range o.Classes {
		p3 = append(p3, g.setupBulk("admin", roleAdmin, "/v1/staff/"+c.Mentor+"/mentees",
			map[string]any{"student_ids": studentIDs(c), "effective_from": from}))
		for _, k := range c.Courses {
			// With a history the course runs the whole school year: it
			// has a round in HT and one in VT.
			p3 = append(p3, admin(http.MethodPost, "/v1/courses", map[string]any{"id": k.ID, "school_id": c.School.ID,
				"subject": k.Subject, "name": k.Subject + " " + c.ID, "term": c.School.Term(cal),
				"whole_year": g.cfg.History != ""}, 201))
		}
	}

	// 4. Teaching: a teacher for each course, the class enrolled in one request.
	for _, k := range o.Courses {
		k := k
		p4 = append(p4, func(ctx context.Context) error {
			if err := admin(http.MethodPut, "/v1/courses/"+k.ID+"/teachers/"+k.Teacher.ID, map[string]any{"effective_from": from}, 200)(ctx); err != nil {
				return err
			}
			return admin(http.MethodPost, "/v1/courses/"+k.ID+"/enrolments",
				map[string]any{"student_ids": studentIDs(k.Class), "effective_from": from}, 200)(ctx)
		})
	}

	if g.cfg.History != "" {
		// The history writes the terms' rounds, plans and talks.
		return [][]job{p1, p2, p3, p4}
	}

	// 5. The term's work begins: a published round with self-assessment
	// per course (its teacher), the class's plans in one request (mentor).
	for _, k := range o.Courses {
		k := k
		p5 = append(p5, func(ctx context.Context) error {
			if err := g.setupCall(k.Teacher.ID, roleTeacher, http.MethodPost, "/v1/courses/"+k.ID+"/assessments",
				map[string]any{"id": k.RoundID, "term": k.Class.School.Term(cal), "title": "Omdöme " + cal.Current,
					"scale_id": "scale3", "self_assessment": true}, 201)(ctx); err != nil {
				return err
			}
			return g.setupCall(k.Teacher.ID, roleTeacher, http.MethodPost, "/v1/assessments/"+k.RoundID+"/publish", nil, 200)(ctx)
		})
	}
	for _, c := range o.Classes {
		p5 = append(p5, g.setupBulk(c.Mentor, roleMentor, "/v1/plans:bulk", map[string]any{"template_id": "iup",
			"term": c.School.Term(cal), "title": "IUP " + cal.Current, "start": Day(cal.TermStart()), "end": Day(cal.TermEnd()),
			"student_ids": studentIDs(c)}))
	}
	// 6, 7. Talks booked earlier in the term, one a class held already, so
	// holding and acknowledging talks have work from the first second.
	var p6, p7 []job
	for _, c := range o.Classes {
		for i, st := range c.Students[:min(3, len(c.Students))] {
			id := g.talkID(st)
			book := g.scheduleTalk(st, c.School.Term(cal), id)
			if i == 0 {
				book.onOK = nil // held below, not left to the workload to hold
				p7 = append(p7, g.setupRequest(g.holdTalk(talk{id: id, student: st})))
			}
			p6 = append(p6, g.setupRequest(book))
		}
	}
	return [][]job{p1, p2, p3, p4, p5, p6, p7}
}

// setupRequest sends a workload request as part of the setup: it must succeed.
func (g *generator) setupRequest(r request) job {
	return func(ctx context.Context) error {
		tok, err := g.token(r.sub, r.role)
		if err != nil {
			return err
		}
		g.setupReqs.Add(1)
		a := g.client.doPaced(ctx, r.method, r.path, tok, r.body)
		if err := expect(a, r.method+" "+r.path, 200, 201); err != nil {
			return err
		}
		if r.onOK != nil {
			r.onOK(a)
		}
		return nil
	}
}

func studentIDs(c *Class) []string {
	ids := make([]string, len(c.Students))
	for i, s := range c.Students {
		ids[i] = s.ID
	}
	return ids
}

// setupCall is one setup request that must answer one of want.
func (g *generator) setupCall(sub, role, method, path string, body any, want ...int) job {
	return func(ctx context.Context) error {
		tok, err := g.token(sub, role)
		if err != nil {
			return err
		}
		// A concurrent setup request on the same record (the organiser's
		// subjects share one) may answer 409: do it again, as a client would.
		for attempt := 1; ; attempt++ {
			g.setupReqs.Add(1)
			a := g.client.doPaced(ctx, method, path, tok, body)
			if a.Status != 409 || attempt == 5 {
				return expect(a, method+" "+path, want...)
			}
			time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
		}
	}
}

// setupBulk is a bulk setup request: 200, and no student refused.
func (g *generator) setupBulk(sub, role, path string, body any) job {
	return func(ctx context.Context) error {
		tok, err := g.token(sub, role)
		if err != nil {
			return err
		}
		g.setupReqs.Add(1)
		a := g.client.doPaced(ctx, http.MethodPost, path, tok, body)
		if err := expect(a, "POST "+path, 200); err != nil {
			return err
		}
		return bulkRefusal(a.Body)
	}
}

// bulkRefusal returns the first student a bulk answer refused.
func bulkRefusal(body []byte) error {
	var b struct {
		Results []struct {
			StudentID string `json:"student_id"`
			Status    string `json:"status"`
			Message   string `json:"message"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return fmt.Errorf("bulk answer: %w", err)
	}
	for _, r := range b.Results {
		if r.Status == "error" {
			return fmt.Errorf("bulk refused student %s: %s", r.StudentID, r.Message)
		}
	}
	return nil
}

// runPhases runs each phase with par workers (the first one alone when
// serialFirst), reporting progress; the first error stops the setup.
func runPhases(ctx context.Context, phases [][]job, par int, prog Progress, serialFirst bool) error {
	var total int64
	for _, p := range phases {
		total += int64(len(p))
	}
	prog.SetTotal(total)
	for i, phase := range phases {
		n := par
		if i == 0 && serialFirst {
			n = 1 // the organiser's own records: one after the other
		}
		if err := runParallel(ctx, phase, n, prog); err != nil {
			return fmt.Errorf("setup phase %d: %w", i+1, err)
		}
	}
	return nil
}

func runParallel(ctx context.Context, jobs []job, par int, prog Progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				if err := jobs[i](ctx); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				prog.Add(1)
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}
