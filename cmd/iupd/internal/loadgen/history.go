package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HistoryYear is the history mode that writes one school year (HT and VT)
// for every student after the setup.
const HistoryYear = "year"

// HistoryReport is what writing the history took.
type HistoryReport struct {
	Mode     string  `json:"mode"`
	Terms    int     `json:"terms"`
	Requests int64   `json:"requests"`
	Seconds  float64 `json:"seconds"`
	// Events appended by the service during the setup and during the
	// history, from its iup_eventstore_events_total counter (-1: the
	// service does not expose it, e.g. on KurrentDB).
	SetupEvents    int64   `json:"setup_events"`
	Events         int64   `json:"events"`
	EventsPerSec   float64 `json:"events_per_second"`
	RequestsPerSec float64 `json:"requests_per_second"`
	// ServiceEvents is the counter at the end: every event the service
	// appended since it started (the store's count on a fresh data folder).
	ServiceEvents int64 `json:"service_events"`
}

// historyPhases is one school year of every student, term by term, as a
// school writes it: per course a round (self-assessment asked in about
// half of them), the class's levels in one bulk request and the round
// published; the class's plans in one bulk request; then per student an
// omdöme comment in every course, a self-assessment where the round asks,
// two plan fields (mentor and student), the plan published, a talk booked;
// then the talk held and acknowledged by a guardian, and in the grades
// with a duty to signal (3, 6, 9) a risk signal for a few.
func (g *generator) historyPhases() [][]job {
	o, cal := g.org, g.org.Calendar
	var phases [][]job
	for _, kind := range []string{"HT", "VT"} {
		var rounds, work, talks []job
		start, end := cal.HTStart, cal.HTEnd
		if kind == "VT" {
			start, end = cal.VTStart, cal.VTEnd
		}
		for _, k := range o.Courses {
			rounds = append(rounds, g.historyRound(k, kind))
		}
		for _, c := range o.Classes {
			rounds = append(rounds, g.setupBulk(c.Mentor, roleMentor, "/v1/plans:bulk", map[string]any{"template_id": "iup",
				"term": c.School.YearID + ":" + kind, "title": "IUP " + kind, "start": Day(start), "end": Day(end),
				"student_ids": studentIDs(c)}))
		}
		// A talk is booked a month into the term (or a week from today,
		// when that is later), held and acknowledged at once.
		at := start.AddDate(0, 1, 0).Add(9 * time.Hour)
		if soon := g.cfg.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour); at.Before(soon) {
			at = soon
		}
		for _, st := range o.Students {
			id := st.ID + "-" + kind
			work = append(work, g.historyStudent(st, kind, id, at))
			talks = append(talks, g.historyTalk(st, kind, id))
		}
		phases = append(phases, rounds, work, talks)
	}
	return phases
}

// RoundIn is the course's round in a term: the current term's is RoundID,
// the one the workload writes to.
func (k *Course) RoundIn(c Calendar, kind string) string {
	if kind == c.Current {
		return k.RoundID
	}
	return k.RoundID + "-" + kind
}

// PlanIn is the student's plan in a term of the school year.
func (s *Student) PlanIn(kind string) string {
	return s.ID + "." + s.Class.School.YearID + "." + kind
}

// selfAssessed says whether the course's rounds ask for self-assessment:
// every other course of a class.
func selfAssessed(k *Course) bool {
	for i, c := range k.Class.Courses {
		if c == k {
			return i%2 == 0
		}
	}
	return false
}

// historyRound creates the course's round of the term, sets every
// student's level in one bulk request and publishes it.
func (g *generator) historyRound(k *Course, kind string) job {
	cal := g.org.Calendar
	rid := k.RoundIn(cal, kind)
	level := strconv.Itoa(1 + int(hash(rid)%3))
	return func(ctx context.Context) error {
		call := func(method, path string, body any, want ...int) error {
			return g.setupCall(k.Teacher.ID, roleTeacher, method, path, body, want...)(ctx)
		}
		if err := call(http.MethodPost, "/v1/courses/"+k.ID+"/assessments", map[string]any{"id": rid,
			"term": k.Class.School.YearID + ":" + kind, "title": "Omdöme " + kind, "scale_id": "scale3",
			"self_assessment": selfAssessed(k)}, 201); err != nil {
			return err
		}
		if err := g.setupBulk(k.Teacher.ID, roleTeacher, "/v1/assessments/"+rid+"/levels:bulk",
			map[string]any{"level": level, "student_ids": studentIDs(k.Class)})(ctx); err != nil {
			return err
		}
		return call(http.MethodPost, "/v1/assessments/"+rid+"/publish", nil, 200)
	}
}

// historyStudent is one student's term: comments, self-assessments, the
// plan written and published, the talk booked.
func (g *generator) historyStudent(st *Student, kind, talkID string, at time.Time) job {
	cal := g.org.Calendar
	c := st.Class
	return func(ctx context.Context) error {
		as := func(sub, role, method, path string, body any) error {
			return g.setupCall(sub, role, method, path, body, 200, 201)(ctx)
		}
		for _, k := range c.Courses {
			path := "/v1/assessments/" + k.RoundIn(cal, kind) + "/entries/" + st.ID
			if err := as(k.Teacher.ID, roleTeacher, http.MethodPut, path, map[string]any{
				"comment": "Visar god förståelse i " + k.Subject + " och kan utveckla sina resonemang."}); err != nil {
				return err
			}
			if selfAssessed(k) {
				if err := as(st.ID, roleStudent, http.MethodPut, path+"/self-assessment", map[string]any{
					"level": "2", "comment": "Jag tycker att " + k.Subject + " går bra."}); err != nil {
					return err
				}
			}
		}
		plan := "/v1/plans/" + st.PlanIn(kind)
		if err := as(c.Mentor, roleMentor, http.MethodPut, plan+"/fields/school_does",
			map[string]any{"text": "Skolan ger extra lästräning två gånger i veckan."}); err != nil {
			return err
		}
		if err := as(st.ID, roleStudent, http.MethodPut, plan+"/fields/student_does",
			map[string]any{"text": "Jag läser tjugo minuter varje dag."}); err != nil {
			return err
		}
		if err := as(c.Mentor, roleMentor, http.MethodPost, plan+"/publish", nil); err != nil {
			return err
		}
		participants := []map[string]string{{"person_id": st.ID, "role": "student"}, {"person_id": c.Mentor, "role": "mentor"}}
		for _, gd := range st.Guardians {
			participants = append(participants, map[string]string{"person_id": gd.ID, "role": "guardian"})
		}
		return as(c.Mentor, roleMentor, http.MethodPost, "/v1/conferences", map[string]any{"id": talkID, "student_id": st.ID,
			"term": c.School.YearID + ":" + kind, "at": at, "place": "Klassrum " + c.ID, "participants": participants})
	}
}

// historyTalk holds the student's talk of the term, a guardian
// acknowledges it, and about one student in twenty of grades 3, 6 and 9
// gets a risk signal in mathematics.
func (g *generator) historyTalk(st *Student, kind, talkID string) job {
	c := st.Class
	return func(ctx context.Context) error {
		as := func(sub, role, method, path string, body any) error {
			return g.setupCall(sub, role, method, path, body, 200, 201)(ctx)
		}
		attendees := []string{st.ID, c.Mentor}
		for _, gd := range st.Guardians {
			attendees = append(attendees, gd.ID)
		}
		if err := as(c.Mentor, roleMentor, http.MethodPost, "/v1/conferences/"+talkID+"/held", map[string]any{
			"attendees": attendees, "notes": "Vi gick igenom omdömena och planen.",
			"agreements": []string{"Läsa 20 minuter varje dag"}}); err != nil {
			return err
		}
		if err := as(st.Guardians[0].ID, roleGuardian, http.MethodPost, "/v1/conferences/"+talkID+"/acknowledgements", nil); err != nil {
			return err
		}
		if risky(st, kind) {
			return as(c.Mentor, roleMentor, http.MethodPut, "/v1/students/"+st.ID+"/risk-signals/MA", map[string]any{
				"term": c.School.YearID + ":" + kind, "note": "Behöver stöd i taluppfattning."})
		}
		return nil
	}
}

// risky picks about one student in twenty of the duty grades, a term.
func risky(st *Student, kind string) bool {
	if g := st.Class.Grade; g != 3 && g != 6 && g != 9 {
		return false
	}
	return hash(st.ID+kind)%20 == 0 && hasSubject(st.Class, "MA")
}

// hash is FNV-1a: the history's choices follow from the ids.
func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

func hasSubject(c *Class, code string) bool {
	for _, k := range c.Courses {
		if k.Subject == code {
			return true
		}
	}
	return false
}

// eventsAppended reads the service's iup_eventstore_events_total from
// /metrics; -1 when it has none.
func (g *generator) eventsAppended(ctx context.Context) int64 {
	a := g.client.do(ctx, http.MethodGet, "/metrics", "", nil)
	if !a.ok() {
		return -1
	}
	sc := bufio.NewScanner(strings.NewReader(string(a.Body)))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "iup_eventstore_events_total "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return -1
			}
			return int64(f)
		}
	}
	return -1
}

// runHistory writes the history after the setup and reports it.
func (g *generator) runHistory(ctx context.Context, setupEvents int64) (*HistoryReport, error) {
	rep := &HistoryReport{Mode: g.cfg.History, Terms: 2, SetupEvents: setupEvents}
	before := g.eventsAppended(ctx)
	reqs := g.setupReqs.Load()
	g.cfg.Logger.Info("loadgen history", "mode", g.cfg.History, "students", len(g.org.Students), "terms", rep.Terms)
	start := time.Now()
	err := runPhases(ctx, g.historyPhases(), g.cfg.SetupParallel, g.cfg.HistoryProgress, false)
	g.cfg.HistoryProgress.Done()
	rep.Seconds = time.Since(start).Seconds()
	rep.Requests = g.setupReqs.Load() - reqs
	if err != nil {
		return rep, fmt.Errorf("loadgen history: %w", err)
	}
	after := g.eventsAppended(ctx)
	rep.Events, rep.ServiceEvents = -1, after
	if before >= 0 && after >= 0 {
		rep.Events = after - before
	}
	if rep.Seconds > 0 {
		rep.EventsPerSec = float64(max(rep.Events, 0)) / rep.Seconds
		rep.RequestsPerSec = float64(rep.Requests) / rep.Seconds
	}
	g.cfg.Logger.Info("loadgen history done", "requests", rep.Requests, "events", rep.Events,
		"seconds", fmt.Sprintf("%.1f", rep.Seconds), "events_per_s", fmt.Sprintf("%.0f", rep.EventsPerSec))
	return rep, nil
}
