package assessment

import (
	"strings"
	"testing"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/domaintest"
)

func TestTeacherWritesEntry(t *testing.T) {
	f := entryFacts(teaches("tea-1"))
	setC := SetLevel{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Level: "C", Facts: f}
	levelC := EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "C"}

	t.Run("a teacher of the course sets a level on the round's scale", func(t *testing.T) {
		domaintest.Given(t, EntryDecider).When(setC).Then(levelC)
	})
	t.Run("a teacher of another course cannot write an entry", func(t *testing.T) {
		c := setC
		c.Meta = teacher("tea-2")
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeForbidden)
		cc := SetComment{Meta: teacher("tea-2"), RoundID: "r1", StudentID: "s1", Comment: "x", Facts: f}
		domaintest.Given(t, EntryDecider).When(cc).ThenError(domain.CodeForbidden)
	})
	t.Run("a level outside the scale is refused", func(t *testing.T) {
		c := setC
		c.Level = "F"
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a level on a free-text round is refused", func(t *testing.T) {
		c := setC
		c.Facts.Round.FreeText, c.Facts.Round.Steps = true, nil
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("setting the same level twice decides nothing the second time", func(t *testing.T) {
		domaintest.Given(t, EntryDecider, levelC).When(setC).Then()
	})
	t.Run("an empty level clears it", func(t *testing.T) {
		c := setC
		c.Level = ""
		domaintest.Given(t, EntryDecider, levelC).When(c).Then(EntryLevelSet{RoundID: "r1", StudentID: "s1"})
	})
	t.Run("the student must be enrolled in the course", func(t *testing.T) {
		c := setC
		c.Facts.StudentEnrolled = false
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("the round must exist", func(t *testing.T) {
		c := setC
		c.Facts.Round = RoundState{}
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeNotFound)
	})
	t.Run("ids are validated and never a personal identity number", func(t *testing.T) {
		c := setC
		c.StudentID = "20100101-1234"
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("an admin writing on behalf of the teacher is recorded as such", func(t *testing.T) {
		c := setC
		c.Meta = admin("tea-1")
		want := levelC
		want.OnBehalfOf = "tea-1"
		domaintest.Given(t, EntryDecider).When(c).Then(want)
		cc := SetComment{Meta: admin("tea-1"), RoundID: "r1", StudentID: "s1", Comment: "Bra", Facts: f}
		domaintest.Given(t, EntryDecider).When(cc).Then(EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Bra", OnBehalfOf: "tea-1"})
	})
	t.Run("an admin acting for someone who does not teach the course is refused", func(t *testing.T) {
		c := setC
		c.Meta = admin("tea-2")
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("guardians and students write no teacher's entry", func(t *testing.T) {
		for _, m := range []domain.Meta{student("s1"), {Actor: domain.Actor{Tenant: "t1", ID: "g1", Role: domain.RoleGuardian}, Now: inTerm}} {
			c := setC
			c.Meta = m
			domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeForbidden)
		}
	})
	t.Run("a comment is saved on its own and at most 10,000 characters", func(t *testing.T) {
		cc := SetComment{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Comment: "Visar god förståelse", Facts: f}
		domaintest.Given(t, EntryDecider, levelC).When(cc).Then(EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Visar god förståelse"})
		domaintest.Given(t, EntryDecider, EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Visar god förståelse"}).When(cc).Then()
		cc.Comment = strings.Repeat("å", MaxComment)
		domaintest.Given(t, EntryDecider).When(cc).Then(EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: cc.Comment})
		cc.Comment += "x"
		domaintest.Given(t, EntryDecider).When(cc).ThenError(domain.CodeInvalid)
	})
}

func TestAmendmentAfterTermEnded(t *testing.T) {
	f := entryFacts(ended(teaches("tea-1")))
	levelC := EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "C"}
	feb := teacher("tea-1")
	feb.Now = afterTerm

	t.Run("an HT round edited in February stays HT and the edit is an amendment with its reason", func(t *testing.T) {
		c := SetLevel{Meta: feb, RoundID: "r1", StudentID: "s1", Level: "A", Reason: "Missed test handed in", Facts: f}
		domaintest.Given(t, EntryDecider, levelC).When(c).Then(EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht,
			Field: FieldLevel, Level: "A", Reason: "Missed test handed in"})
		s := EntryDecider.Fold([]domain.Event{levelC, EntryAmended{Field: FieldLevel, Level: "A", Term: ht, Reason: "r"}})
		if s.Level != "A" || s.Amendments != 1 {
			t.Fatalf("the amendment must change the level and count as one, got %+v", s)
		}
	})
	t.Run("the same edit without a reason is refused with a message asking for one", func(t *testing.T) {
		c := SetLevel{Meta: feb, RoundID: "r1", StudentID: "s1", Level: "A", Reason: "  ", Facts: f}
		_, err := EntryDecider.Decide(EntryDecider.Fold([]domain.Event{levelC}), c)
		if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "reason") {
			t.Fatalf("want an invalid error naming the reason, got %v", err)
		}
	})
	t.Run("a comment amendment carries the new comment and the reason", func(t *testing.T) {
		c := SetComment{Meta: feb, RoundID: "r1", StudentID: "s1", Comment: "Ny text", Reason: "Fel elev nämnd", Facts: f}
		domaintest.Given(t, EntryDecider).When(c).Then(EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht,
			Field: FieldComment, Comment: "Ny text", Reason: "Fel elev nämnd"})
	})
	t.Run("an amendment that changes nothing decides nothing", func(t *testing.T) {
		c := SetLevel{Meta: feb, RoundID: "r1", StudentID: "s1", Level: "C", Reason: "r", Facts: f}
		domaintest.Given(t, EntryDecider, levelC).When(c).Then()
	})
	t.Run("an over-long reason is refused", func(t *testing.T) {
		c := SetLevel{Meta: feb, RoundID: "r1", StudentID: "s1", Level: "A", Reason: strings.Repeat("x", MaxReason+1), Facts: f}
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("a student's self-assessment after the term is an amendment too", func(t *testing.T) {
		m := student("s1")
		m.Now = afterTerm
		c := SetSelfComment{Meta: m, RoundID: "r1", StudentID: "s1", Comment: "Jag glömde", Reason: "Sjuk", Facts: f}
		domaintest.Given(t, EntryDecider).When(c).Then(EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht,
			Field: FieldSelfComment, Comment: "Jag glömde", Reason: "Sjuk"})
		l := SetSelfLevel{Meta: m, RoundID: "r1", StudentID: "s1", Level: "E", Facts: f}
		domaintest.Given(t, EntryDecider).When(l).ThenError(domain.CodeInvalid)
	})
}

func TestSelfAssessment(t *testing.T) {
	f := entryFacts(teaches())
	self := SetSelfLevel{Meta: student("s1"), RoundID: "r1", StudentID: "s1", Level: "E", Facts: f}

	t.Run("a student self-assesses their own entry on the round's scale", func(t *testing.T) {
		domaintest.Given(t, EntryDecider).When(self).Then(SelfLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"})
		c := SetSelfComment{Meta: student("s1"), RoundID: "r1", StudentID: "s1", Comment: "Jag kan mer", Facts: f}
		domaintest.Given(t, EntryDecider).When(c).Then(SelfCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Jag kan mer"})
		domaintest.Given(t, EntryDecider, SelfCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Jag kan mer"}).When(c).Then()
	})
	t.Run("a student cannot self-assess another student's entry", func(t *testing.T) {
		c := self
		c.StudentID = "s2"
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a student cannot self-assess when the round does not allow it", func(t *testing.T) {
		c := self
		c.Facts = entryFacts(teaches(), RoundSelfAssessmentChanged{RoundID: "r1", Allowed: false})
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeRuleViolated)
	})
	t.Run("a student not enrolled in the course cannot self-assess", func(t *testing.T) {
		c := self
		c.Facts.StudentEnrolled = false
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a teacher cannot write the student's self-assessment", func(t *testing.T) {
		c := self
		c.Meta = teacher("tea-1")
		c.Facts = entryFacts(teaches("tea-1"))
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("a self-assessed level must be on the scale, and the same level again decides nothing", func(t *testing.T) {
		c := self
		c.Level = "Z"
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeInvalid)
		domaintest.Given(t, EntryDecider, SelfLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"}).When(self).Then()
	})
	t.Run("an over-long self comment is refused", func(t *testing.T) {
		c := SetSelfComment{Meta: student("s1"), RoundID: "r1", StudentID: "s1", Comment: strings.Repeat("x", MaxComment+1), Facts: f}
		domaintest.Given(t, EntryDecider).When(c).ThenError(domain.CodeInvalid)
	})
}

func TestWithdrawEntry(t *testing.T) {
	f := entryFacts(teaches("tea-1"))
	written := []domain.Event{EntryLevelSet{RoundID: "r1", StudentID: "s1", Level: "C"}, SelfLevelSet{RoundID: "r1", StudentID: "s1", Level: "E"}}
	w := WithdrawEntry{Meta: teacher("tea-1"), RoundID: "r1", StudentID: "s1", Reason: "Skrivet för fel elev", Facts: f}
	withdrawn := EntryWithdrawn{RoundID: "r1", StudentID: "s1", Reason: "Skrivet för fel elev"}

	t.Run("an entry written for the wrong student is withdrawn with a reason", func(t *testing.T) {
		domaintest.Given(t, EntryDecider, written...).When(w).Then(withdrawn)
		s := EntryDecider.Fold(append(written, withdrawn))
		if s.Level != "" || s.Comment != "" || s.SelfLevel != "E" || s.Withdrawals != 1 {
			t.Fatalf("withdrawal clears the teacher's level and comment only, got %+v", s)
		}
	})
	t.Run("withdrawing needs a reason", func(t *testing.T) {
		c := w
		c.Reason = " "
		domaintest.Given(t, EntryDecider, written...).When(c).ThenError(domain.CodeInvalid)
	})
	t.Run("withdrawing works even when the student is not enrolled", func(t *testing.T) {
		c := w
		c.Facts.StudentEnrolled = false
		domaintest.Given(t, EntryDecider, written...).When(c).Then(withdrawn)
	})
	t.Run("withdrawing again decides nothing", func(t *testing.T) {
		domaintest.Given(t, EntryDecider, append(written, withdrawn)...).When(w).Then()
	})
	t.Run("only a teacher of the course withdraws", func(t *testing.T) {
		c := w
		c.Meta = teacher("tea-2")
		domaintest.Given(t, EntryDecider, written...).When(c).ThenError(domain.CodeForbidden)
	})
	t.Run("an over-long reason is refused", func(t *testing.T) {
		c := w
		c.Reason = strings.Repeat("x", MaxReason+1)
		domaintest.Given(t, EntryDecider, written...).When(c).ThenError(domain.CodeInvalid)
	})
}
