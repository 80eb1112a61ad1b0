package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/plan"
	"github.com/iup-platform/iup/handlers/policy"
	"github.com/iup-platform/iup/projections/views/audit"
	"github.com/iup-platform/iup/projections/views/home"
	"github.com/iup-platform/iup/projections/views/staff"
)

// The view endpoints: each checks the policy, waits for the consistency
// token, reads one document and cuts it to what the caller may see.

func (a *API) mentorOverview(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("staff_id")
	if err != nil {
		return nil, err
	}
	term, err := q.Term()
	if err != nil {
		return nil, err
	}
	who := principal(q.r)
	if err := allowed(a.reads.policy.MentorOverview(ctx, who, id, q.Day)); err != nil {
		return nil, err
	}
	key := staff.MentorOverviewKey(q.Tenant(), id, term)
	raw, err := q.getRaw(ctx, staff.MentorOverviewName, key)
	if err != nil || raw == nil {
		return emptyOr(false, err)
	}
	object := id + "/" + term.String()
	// Most overviews need no cut (every mentee current, none protected)
	// or only rows dropped (former mentees): those are served as stored,
	// or as the stored bytes without those rows (the view writes the bytes
	// writeJSON would: projections/jsoncodec.go). Decoding and encoding
	// the whole document again was nearly all of the read's time.
	stored, err := a.storedOverview(key, raw)
	if err != nil {
		return nil, err
	}
	if body, shown, ok := stored.answer(who.Role, q.Day); ok {
		for _, i := range shown {
			a.logRead(q, "mentor-overview", object, stored.rows[i].StudentID)
		}
		return body, nil
	}
	// A protected row: its name depends on the caller.
	var doc staff.MentorOverviewDoc
	if err := decodeDoc(staff.MentorOverviewName, raw, &doc); err != nil {
		return nil, err
	}
	if who.Role == domain.RoleMentor {
		// A mentor sees the students they mentor today, not former mentees.
		rows := doc.Rows[:0:0]
		for _, r := range doc.Rows {
			if r.MentoredOn(q.Day) {
				rows = append(rows, r)
			}
		}
		doc.Rows = rows
	}
	if err := a.protectNames(ctx, q, &doc); err != nil {
		return nil, err
	}
	for _, r := range doc.Rows {
		a.logRead(q, "mentor-overview", object, r.StudentID)
	}
	return encodeDoc(doc)
}

func (a *API) courseView(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("course_id")
	if err != nil {
		return nil, err
	}
	term, err := q.Term()
	if err != nil {
		return nil, err
	}
	if err := allowed(a.reads.policy.Course(ctx, principal(q.r), id, q.Day)); err != nil {
		return nil, err
	}
	var doc staff.CourseViewDoc
	if ok, err := q.getDoc(ctx, staff.CourseViewName, staff.CourseViewKey(q.Tenant(), id, term), &doc); err != nil || !ok {
		return emptyOr(ok, err)
	}
	if err := a.protectNames(ctx, q, &doc); err != nil {
		return nil, err
	}
	for _, s := range doc.Students {
		a.logRead(q, "course-view", id+"/"+term.String(), s.StudentID)
	}
	return doc, nil
}

func (a *API) schoolLists(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("school_id")
	if err != nil {
		return nil, err
	}
	term, err := q.Term()
	if err != nil {
		return nil, err
	}
	if err := allowed(a.reads.policy.School(ctx, principal(q.r), id, q.Day)); err != nil {
		return nil, err
	}
	var doc staff.SchoolListsDoc
	if ok, err := q.getDoc(ctx, staff.SchoolListsName, staff.SchoolListsKey(q.Tenant(), id, term), &doc); err != nil || !ok {
		return emptyOr(ok, err)
	}
	if err := a.protectNames(ctx, q, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// guardianChildren is a guardian's home: the children they may see today,
// each as the guardians' document at this instant.
func (a *API) guardianChildren(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("guardian_id")
	if err != nil {
		return nil, err
	}
	who := principal(q.r)
	if !(who.Role == domain.RoleGuardian && who.Subject == id) && who.Role != domain.RoleAdmin {
		return nil, hidden
	}
	var g home.Guardian
	if ok, err := q.getDoc(ctx, home.GuardianViewName, home.GuardianKey(q.Tenant(), id), &g); err != nil {
		return nil, err
	} else if !ok && who.Role == domain.RoleAdmin {
		return nil, hidden
	}
	type child struct {
		StudentID string     `json:"student_id"`
		Protected bool       `json:"protected"`
		Home      home.Child `json:"home"`
	}
	out := struct {
		GuardianID string  `json:"guardian_id"`
		Children   []child `json:"children"`
	}{GuardianID: id, Children: []child{}}
	for _, c := range g.Children {
		if !c.Sees(id, q.Day) {
			continue
		}
		// The view's relations may lag the roster: the policy has the last word.
		as := who
		as.Subject, as.Role = id, domain.RoleGuardian
		if err := a.reads.policy.Student(ctx, as, c.StudentID, q.Day); err != nil {
			if err == policy.ErrHidden {
				continue
			}
			return nil, err
		}
		var doc home.Child
		if _, err := q.getDoc(ctx, home.GuardianViewName, home.ChildKey(q.Tenant(), c.StudentID), &doc); err != nil {
			return nil, err
		}
		doc = doc.At(q.Now)
		a.logRead(q, "home", c.StudentID, c.StudentID)
		out.Children = append(out.Children, child{StudentID: c.StudentID, Protected: c.Protected, Home: doc})
	}
	return out, nil
}

// studentHome is what the home sees of a student: the student their own
// document, everyone else the guardians' document.
func (a *API) studentHome(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("student_id")
	if err != nil {
		return nil, err
	}
	who := principal(q.r)
	if err := allowed(a.reads.policy.Student(ctx, who, id, q.Day)); err != nil {
		return nil, err
	}
	view, key := home.GuardianViewName, home.ChildKey(q.Tenant(), id)
	if who.Role == domain.RoleStudent {
		view, key = home.StudentViewName, home.StudentKey(q.Tenant(), id)
	}
	var doc home.Child
	if ok, err := q.getDoc(ctx, view, key, &doc); err != nil || !ok {
		return emptyOr(ok, err)
	}
	a.logRead(q, "home", id, id)
	return doc.At(q.Now), nil
}

func (a *API) termSnapshot(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("student_id")
	if err != nil {
		return nil, err
	}
	term, err := q.Term()
	if err != nil {
		return nil, err
	}
	who := principal(q.r)
	if err := allowed(a.reads.policy.Student(ctx, who, id, q.Day)); err != nil {
		return nil, err
	}
	var doc home.Snapshot
	if ok, err := q.getDoc(ctx, home.TermSnapshotName, home.TermSnapshotKey(q.Tenant(), id, term), &doc); err != nil || !ok {
		return emptyOr(ok, err)
	}
	doc.Plan = planFor(who.Role, doc.Plan)
	doc.Assessments = entriesFor(who.Role, q, doc.Assessments)
	a.logRead(q, "term-snapshot", id+"/"+term.String(), id)
	return doc, nil
}

func (a *API) conferenceRecord(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("conference_id")
	if err != nil {
		return nil, err
	}
	who := principal(q.r)
	var rec home.Record
	// The policy needs the record's student: read first, answer the same
	// 404 for a missing record and someone else's.
	ok, err := q.getDoc(ctx, home.ConferenceRecordName, home.ConferenceRecordKey(q.Tenant(), id), &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hidden
	}
	if err := allowed(a.reads.policy.Student(ctx, who, rec.StudentID, q.Day)); err != nil {
		return nil, err
	}
	if homeRole(who.Role) {
		rec.Notes = "" // the talk's internal notes are for staff
		if rec.ActionProgramme != nil && !rec.ActionProgramme.ShowToHome {
			rec.ActionProgramme = nil
		}
		kept := rec.Entries[:0:0]
		for _, e := range rec.Entries {
			if published(e.EntryContent, q) {
				if who.Role == domain.RoleGuardian {
					e.SelfLevel, e.SelfComment = "", ""
				}
				kept = append(kept, e)
			}
		}
		rec.Entries = kept
	}
	rec.Plan = planFor(who.Role, rec.Plan)
	a.logRead(q, "conference-record", id, rec.StudentID)
	return rec, nil
}

// planFor cuts a plan to what role may see: the template's field rights
// always; for the home, only a published plan.
func planFor(role domain.Role, p *home.PlanContent) *home.PlanContent {
	if p == nil || (homeRole(role) && !p.Published) {
		return nil
	}
	out := *p
	out.Fields = make([]home.PlanField, 0, len(p.Fields))
	for _, f := range p.Fields {
		if policy.FieldVisible(role, f.VisibleTo) {
			out.Fields = append(out.Fields, f)
		}
	}
	return &out
}

// entriesFor cuts omdömen to what role may see: the home sees published
// rounds only, and a guardian never the student's self-assessment.
func entriesFor(role domain.Role, q *query, es []home.EntryContent) []home.EntryContent {
	if !homeRole(role) {
		return es
	}
	out := es[:0:0]
	for _, e := range es {
		if !published(e, q) {
			continue
		}
		if role == domain.RoleGuardian {
			e.SelfLevel, e.SelfComment = "", ""
		}
		out = append(out, e)
	}
	return out
}

func published(e home.EntryContent, q *query) bool {
	return e.PublishAt != nil && !q.Now.Before(*e.PublishAt)
}

func homeRole(r domain.Role) bool { return r == domain.RoleStudent || r == domain.RoleGuardian }

// emptyOr answers a missing document with the policy's 404.
func emptyOr(ok bool, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return nil, hidden
}

// Audit trails.

func (a *API) studentAudit(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("student_id")
	if err != nil {
		return nil, err
	}
	if err := allowed(a.reads.policy.StudentAudit(ctx, principal(q.r), id, q.Day)); err != nil {
		return nil, err
	}
	return a.trail(ctx, q, audit.KindStudent, id)
}

func (a *API) actorAudit(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("actor_id")
	if err != nil {
		return nil, err
	}
	if err := allowed(a.reads.policy.Actor(ctx, principal(q.r), id, q.Day)); err != nil {
		return nil, err
	}
	return a.trail(ctx, q, audit.KindActor, id)
}

func (a *API) courseAudit(ctx context.Context, q *query) (any, error) {
	id, err := q.Var("course_id")
	if err != nil {
		return nil, err
	}
	if err := allowed(a.reads.policy.CourseAudit(ctx, principal(q.r), id, q.Day)); err != nil {
		return nil, err
	}
	return a.trail(ctx, q, audit.KindCourse, id)
}

// trail reads one page of a trail, newest first, with plan field texts the
// caller's role may not see blanked.
func (a *API) trail(ctx context.Context, q *query, kind, id string) (any, error) {
	limit := 0
	if s := q.r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > audit.MaxLimit {
			return nil, badQuery("limit", "must be a number from 1 to "+strconv.Itoa(audit.MaxLimit))
		}
		limit = n
	}
	if err := q.waitFor(ctx, audit.Projection.Name); err != nil {
		return nil, err
	}
	read := func(keys ...string) ([][]byte, error) {
		docs, err := a.views.Get(ctx, audit.Projection.Name, keys...)
		if err == nil && len(docs) != len(keys) {
			err = fmt.Errorf("audit: %d documents read for %d keys", len(docs), len(keys))
		}
		return docs, err
	}
	entries, next, err := audit.Page(read, q.Tenant(), kind, id, q.r.URL.Query().Get("cursor"), limit)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInvalid {
			return nil, badQuery("cursor", "is not a cursor of this trail: start again without one")
		}
		return nil, err
	}
	if len(entries) == 0 && q.r.URL.Query().Get("cursor") == "" {
		return nil, hidden // no trail: nothing of this organiser by that id
	}
	rights := fieldRights{a: a, ctx: ctx, tenant: q.Tenant(), role: principal(q.r).Role, plans: map[string][]plan.FieldDef{}}
	for i := range entries {
		e := &entries[i]
		key, isField := strings.CutPrefix(e.What, "field:")
		if !isField || e.PlanID == "" {
			continue
		}
		ok, err := rights.visible(e.PlanID, key)
		if err != nil {
			return nil, err
		}
		if !ok {
			e.Before, e.After = nil, nil
		}
	}
	return map[string]any{"entries": entries, "next_cursor": next}, nil
}

// fieldRights answers, per request, whether a plan field may be shown to
// role, from the plan's own copy of its template version.
type fieldRights struct {
	a      *API
	ctx    context.Context
	tenant string
	role   domain.Role
	plans  map[string][]plan.FieldDef
}

func (f fieldRights) visible(planID, key string) (bool, error) {
	defs, ok := f.plans[planID]
	if !ok {
		st, _, err := f.a.foldPlan(f.ctx, f.tenant, planID, at{})
		if err != nil {
			return false, err
		}
		defs = st.Fields
		f.plans[planID] = defs
	}
	for _, d := range defs {
		if d.Key == key {
			return policy.FieldVisible(f.role, d.VisibleTo), nil
		}
	}
	return false, nil
}

func badQuery(param, detail string) *requestError {
	return &requestError{status: 400, typ: ProblemInvalid, title: "Bad query parameter", field: param, detail: detail}
}
