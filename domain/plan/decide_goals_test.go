package plan_test

import (
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
	"github.com/iup-platform/iup/domain/plan"
)

var (
	followUp  = domain.MustDate("2027-03-01")
	goalAdded = plan.GoalAdded{PlanID: planID, StudentID: "s1", GoalID: "g1", Text: "Läsa 20 min", Owner: plan.OwnerStudent, FollowUp: followUp}
	archived  = plan.Archived{PlanID: planID, StudentID: "s1"}
)

func addGoal(m domain.Meta, f plan.Facts) plan.AddGoal {
	return plan.AddGoal{Meta: m, Target: target, GoalID: "g1", Text: "Läsa 20 min", Owner: plan.OwnerStudent, FollowUp: followUp, Facts: f}
}

func TestGoals(t *testing.T) {
	t.Run("the mentor adds a goal with owner and follow-up date", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(addGoal(mentor, mentorOf)).Then(goalAdded)
	})
	t.Run("adding the same goal again decides nothing", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created, goalAdded).When(addGoal(mentor, mentorOf)).Then()
	})
	t.Run("a goal id used by another goal is a conflict", func(t *testing.T) {
		c := addGoal(mentor, mentorOf)
		c.Text = "Annat"
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).ThenError(domain.CodeConflict)
	})
	t.Run("a goal without owner, follow-up or text is refused", func(t *testing.T) {
		for name, change := range map[string]func(*plan.AddGoal){
			"owner":     func(c *plan.AddGoal) { c.Owner = "teacher" },
			"follow-up": func(c *plan.AddGoal) { c.FollowUp = domain.Date{} },
			"text":      func(c *plan.AddGoal) { c.Text = "" },
			"long text": func(c *plan.AddGoal) { c.Text = strings.Repeat("a", plan.MaxGoalText+1) },
			"id":        func(c *plan.AddGoal) { c.GoalID = "" },
		} {
			c := addGoal(mentor, mentorOf)
			change(&c)
			t.Run(name, func(t *testing.T) { domaintest.Given(t, plan.Decider, created).When(c).ThenError(domain.CodeInvalid) })
		}
	})
	t.Run("students, guardians and other mentors may not add goals", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(addGoal(student, noRelation)).ThenError(domain.CodeForbidden)
		domaintest.Given(t, plan.Decider, created).When(addGoal(guardian, custody)).ThenError(domain.CodeForbidden)
		domaintest.Given(t, plan.Decider, created).When(addGoal(mentor, noRelation)).ThenError(domain.CodeForbidden)
	})
	t.Run("a goal is edited", func(t *testing.T) {
		c := plan.EditGoal{Meta: mentor, Target: target, GoalID: "g1", Text: "Läsa 30 min", Owner: plan.OwnerGuardian, FollowUp: followUp, Facts: mentorOf}
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).Then(plan.GoalEdited{
			PlanID: planID, StudentID: "s1", GoalID: "g1", Text: "Läsa 30 min", Owner: plan.OwnerGuardian, FollowUp: followUp})
		c.Text, c.Owner = goalAdded.Text, goalAdded.Owner
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).Then()
	})
	t.Run("editing an unknown goal is not found, an evaluated goal is refused", func(t *testing.T) {
		c := plan.EditGoal{Meta: mentor, Target: target, GoalID: "g2", Text: "x", Owner: plan.OwnerSchool, FollowUp: followUp, Facts: mentorOf}
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).ThenError(domain.CodeNotFound)
		c.GoalID = "g1"
		domaintest.Given(t, plan.Decider, created, goalAdded, plan.GoalEvaluated{PlanID: planID, StudentID: "s1", GoalID: "g1", Outcome: plan.Met}).
			When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a goal is evaluated, re-evaluated, and the same evaluation decides nothing", func(t *testing.T) {
		c := plan.EvaluateGoal{Meta: mentor, Target: target, GoalID: "g1", Outcome: plan.PartlyMet, Comment: "Nästan", Facts: mentorOf}
		ev := plan.GoalEvaluated{PlanID: planID, StudentID: "s1", GoalID: "g1", Outcome: plan.PartlyMet, Comment: "Nästan"}
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).Then(ev)
		domaintest.Given(t, plan.Decider, created, goalAdded, ev).When(c).Then()
		c.Outcome = plan.Met
		ev.Outcome = plan.Met
		domaintest.Given(t, plan.Decider, created, goalAdded, plan.GoalEvaluated{PlanID: planID, StudentID: "s1", GoalID: "g1", Outcome: plan.NotMet}).When(c).Then(ev)
	})
	t.Run("an evaluation needs a known outcome and goal", func(t *testing.T) {
		c := plan.EvaluateGoal{Meta: mentor, Target: target, GoalID: "g1", Outcome: "great", Facts: mentorOf}
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).ThenError(domain.CodeInvalid)
		c.Outcome, c.GoalID = plan.Met, "g9"
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).ThenError(domain.CodeNotFound)
		c.GoalID = "?"
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).ThenError(domain.CodeInvalid)
		c.GoalID, c.Comment = "g1", strings.Repeat("a", plan.MaxComment+1)
		domaintest.Given(t, plan.Decider, created, goalAdded).When(c).ThenError(domain.CodeInvalid)
	})
}

func TestAgreements(t *testing.T) {
	rec := plan.RecordAgreements{Meta: mentor, Target: target, ConferenceID: "c1", Agreements: []string{"Läxhjälp tisdagar"}, Facts: mentorOf}
	ev := plan.AgreementsRecorded{PlanID: planID, StudentID: "s1", ConferenceID: "c1", Agreements: []string{"Läxhjälp tisdagar"}}
	t.Run("a conference's agreements are recorded in the plan with the conference id", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(rec).Then(ev)
	})
	t.Run("recording the same agreements again decides nothing", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created, ev).When(rec).Then()
	})
	t.Run("changed agreements for the conference replace the earlier ones", func(t *testing.T) {
		c := rec
		c.Agreements = []string{"Läxhjälp onsdagar"}
		want := ev
		want.Agreements = c.Agreements
		domaintest.Given(t, plan.Decider, created, ev).When(c).Then(want)
	})
	t.Run("no agreements, empty ones or a bad conference id are refused", func(t *testing.T) {
		for _, c := range []plan.RecordAgreements{
			{Meta: mentor, Target: target, ConferenceID: "c1", Facts: mentorOf},
			{Meta: mentor, Target: target, ConferenceID: "c1", Agreements: []string{""}, Facts: mentorOf},
			{Meta: mentor, Target: target, ConferenceID: "", Agreements: []string{"x"}, Facts: mentorOf},
		} {
			domaintest.Given(t, plan.Decider, created).When(c).ThenError(domain.CodeInvalid)
		}
	})
	t.Run("a plan not yet made cannot take agreements", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(rec).ThenError(domain.CodeNotFound)
	})
}

func TestPublicationAndArchive(t *testing.T) {
	pub := plan.Published{PlanID: planID, StudentID: "s1"}
	t.Run("the mentor publishes, and publishing again decides nothing", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(plan.Publish{Meta: mentor, Target: target, Facts: mentorOf}).Then(pub)
		domaintest.Given(t, plan.Decider, created, pub).When(plan.Publish{Meta: mentor, Target: target, Facts: mentorOf}).Then()
	})
	t.Run("the mentor unpublishes a published plan only", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created, pub).When(plan.Unpublish{Meta: mentor, Target: target, Facts: mentorOf}).
			Then(plan.Unpublished{PlanID: planID, StudentID: "s1"})
		domaintest.Given(t, plan.Decider, created).When(plan.Unpublish{Meta: mentor, Target: target, Facts: mentorOf}).Then()
	})
	t.Run("a student may not publish", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(plan.Publish{Meta: student, Target: target, Facts: noRelation}).ThenError(domain.CodeForbidden)
	})
	t.Run("the mentor archives, and archiving again decides nothing", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created).When(plan.Archive{Meta: mentor, Target: target, Facts: mentorOf}).Then(archived)
		domaintest.Given(t, plan.Decider, created, archived).When(plan.Archive{Meta: mentor, Target: target, Facts: mentorOf}).Then()
	})
	t.Run("an archived plan's publication no longer changes", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created, archived).When(plan.Publish{Meta: admin, Target: target, Facts: noRelation}).ThenError(domain.CodeRuleViolated)
	})
	t.Run("an archived plan refuses edits by the mentor", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, created, archived).When(setField(mentor, mentorOf, "school", "x")).ThenError(domain.CodeRuleViolated)
		domaintest.Given(t, plan.Decider, created, archived).When(addGoal(mentor, mentorOf)).ThenError(domain.CodeRuleViolated)
	})
	t.Run("an admin corrects an archived plan only with a reason, kept in the event", func(t *testing.T) {
		c := setField(admin, noRelation, "school", "Rättad text")
		domaintest.Given(t, plan.Decider, created, archived).When(c).ThenError(domain.CodeInvalid)
		c.Reason = "Fel elev i texten"
		want := fieldSet("school", "Rättad text")
		want.Reason = c.Reason
		domaintest.Given(t, plan.Decider, created, archived).When(c).Then(want)
		c.Reason = strings.Repeat("a", plan.MaxReason+1)
		domaintest.Given(t, plan.Decider, created, archived).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("an admin's correction of an archived plan may fix any field; before archiving the template decides", func(t *testing.T) {
		c := setField(admin, noRelation, "home", "Rättad")
		domaintest.Given(t, plan.Decider, created).When(c).ThenError(domain.CodeForbidden)
		c.Reason = "Fel elev"
		want := fieldSet("home", "Rättad")
		want.Reason = "Fel elev"
		domaintest.Given(t, plan.Decider, created, archived).When(c).Then(want)
	})
}

func attach(m domain.Meta, f plan.Facts) plan.AttachLegacyDocument {
	return plan.AttachLegacyDocument{Meta: m, Target: target, DocumentID: "d1", FileName: "iup-2019.pdf",
		MediaType: "application/pdf", Size: 1234, SHA256: strings.Repeat("ab", 32), Facts: f}
}

func TestLegacyDocument(t *testing.T) {
	ev := plan.LegacyDocumentAttached{PlanID: planID, StudentID: "s1", Term: ht, DocumentID: "d1", FileName: "iup-2019.pdf",
		MediaType: "application/pdf", Size: 1234, SHA256: strings.Repeat("ab", 32)}
	t.Run("an old plan is attached to a term without a template plan", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(attach(mentor, mentorOf)).Then(ev)
	})
	t.Run("attaching the same document again decides nothing; another under its id is a conflict", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, ev).When(attach(mentor, mentorOf)).Then()
		c := attach(mentor, mentorOf)
		c.Size = 99
		domaintest.Given(t, plan.Decider, ev).When(c).ThenError(domain.CodeConflict)
	})
	t.Run("a plan can still be made for a term holding only legacy documents", func(t *testing.T) {
		domaintest.Given(t, plan.Decider, ev).When(create(mentor, mentorOf)).Then(created)
	})
	t.Run("Word documents are accepted", func(t *testing.T) {
		for _, mt := range []string{"application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} {
			c := attach(admin, noRelation)
			c.MediaType = mt
			want := ev
			want.MediaType = mt
			domaintest.Given(t, plan.Decider).When(c).Then(want)
		}
	})
	t.Run("other media types, sizes over 20 MiB, bad hashes and paths are refused", func(t *testing.T) {
		for name, change := range map[string]func(*plan.AttachLegacyDocument){
			"media type": func(c *plan.AttachLegacyDocument) { c.MediaType = "image/png" },
			"too big":    func(c *plan.AttachLegacyDocument) { c.Size = plan.MaxLegacySize + 1 },
			"empty":      func(c *plan.AttachLegacyDocument) { c.Size = 0 },
			"short hash": func(c *plan.AttachLegacyDocument) { c.SHA256 = "abc" },
			"upper hash": func(c *plan.AttachLegacyDocument) { c.SHA256 = strings.Repeat("AB", 32) },
			"path":       func(c *plan.AttachLegacyDocument) { c.FileName = "../x.pdf" },
			"no name":    func(c *plan.AttachLegacyDocument) { c.FileName = "" },
			"id":         func(c *plan.AttachLegacyDocument) { c.DocumentID = "" },
		} {
			c := attach(mentor, mentorOf)
			change(&c)
			t.Run(name, func(t *testing.T) { domaintest.Given(t, plan.Decider).When(c).ThenError(domain.CodeInvalid) })
		}
	})
	t.Run("exactly 20 MiB is accepted", func(t *testing.T) {
		c := attach(mentor, mentorOf)
		c.Size = plan.MaxLegacySize
		want := ev
		want.Size = plan.MaxLegacySize
		domaintest.Given(t, plan.Decider).When(c).Then(want)
	})
	t.Run("a guardian may not attach documents", func(t *testing.T) {
		domaintest.Given(t, plan.Decider).When(attach(guardian, custody)).ThenError(domain.CodeForbidden)
	})
}

func TestIDs(t *testing.T) {
	t.Run("a plan id parses back into student and term", func(t *testing.T) {
		s, term, err := plan.ParseID(planID)
		if err != nil || s != "s1" || term != ht {
			t.Fatalf("got %q %v %v", s, term, err)
		}
		if plan.Stream("t1", "s1", ht) != "plan-t1.s1.2026-2027.HT" {
			t.Fatal(plan.Stream("t1", "s1", ht))
		}
	})
	t.Run("malformed plan ids are refused", func(t *testing.T) {
		for _, id := range []string{"s1", "s1.2026-2027.XT", "a b.2026-2027.HT", "s1.2026.HT.x"} {
			if _, _, err := plan.ParseID(id); !domain.IsCode(err, domain.CodeInvalid) {
				t.Errorf("%q accepted", id)
			}
		}
	})
}
