package staff

import "testing"

func courseDocs() map[string]any {
	teachers := []Teacher{{StaffID: "t1", Period: Period{From: from}}}
	htRoster := []CourseStudent{
		{StudentID: "s1", Name: "Ella Åström", Enrolled: Period{From: from}},
		{StudentID: "s2", Name: "Omar Berg", Enrolled: Period{From: from, To: moved}},
		{StudentID: "s3", Protected: true, Enrolled: Period{From: from}},
	}
	vtRoster := []CourseStudent{htRoster[0], htRoster[2]}
	threeSteps := []string{"not_yet", "reached", "beyond"}
	doc := func(id, subject, name string, roster []CourseStudent, rounds []RoundView) CourseViewDoc {
		c := CourseViewDoc{CourseID: id, SchoolID: "sk1", Subject: subject, Name: name, WholeYear: true,
			Teachers: teachers, Students: roster, Rounds: rounds}
		return c
	}
	svHT := doc("c-sv", "SV", "Svenska 3A", htRoster, []RoundView{{RoundID: "r-sv-ht", Title: "Svenska HT", Steps: threeSteps,
		Published: true, PublishAt: published,
		Entries: []EntryView{{StudentID: "s1", Level: "beyond", Step: 3, Comment: true, Amended: true}, {StudentID: "s2", Level: "beyond", Step: 3}},
		Missing: []string{"s3"}}})
	svHT.Term, svHT.TermStart, svHT.TermEnd = ht, htStart, htEnd
	svVT := doc("c-sv", "SV", "Svenska 3A", vtRoster, []RoundView{{RoundID: "r-sv-vt", Title: "Svenska VT", Steps: threeSteps,
		Entries: []EntryView{{StudentID: "s1", Level: "reached", Step: 2}}, Missing: []string{"s3"}}})
	svVT.Term, svVT.TermStart, svVT.TermEnd = vt, vtStart, vtEnd
	maHT := doc("c-ma", "MA", "Matematik 3A", htRoster, []RoundView{{RoundID: "r-ma-ht", Title: "Matematik HT", Steps: []string{},
		FreeText: true, SelfAssessment: true,
		Entries: []EntryView{{StudentID: "s1", Comment: true}, {StudentID: "s2", Comment: true, SelfAssessment: true}},
		Missing: []string{"s3"}}})
	maHT.Term, maHT.TermStart, maHT.TermEnd = ht, htStart, htEnd
	maVT := doc("c-ma", "MA", "Matematik 3A", vtRoster, []RoundView{})
	maVT.Term, maVT.TermStart, maVT.TermEnd = vt, vtStart, vtEnd
	return map[string]any{
		CourseViewKey(tn, "c-sv", ht): svHT, CourseViewKey(tn, "c-sv", vt): svVT,
		CourseViewKey(tn, "c-ma", ht): maHT, CourseViewKey(tn, "c-ma", vt): maVT,
	}
}

func TestCourseView(t *testing.T) {
	t.Run("roster by entries of each round of the term, with who is missing", func(t *testing.T) {
		sameView(t, build(t, CourseView, history(false)), courseDocs())
	})
	t.Run("an amendment in February marks the HT entry and leaves VT alone", func(t *testing.T) {
		v := build(t, CourseView, history(false))
		var htDoc, vtDoc CourseViewDoc
		decode(t, v, CourseViewKey(tn, "c-sv", ht), &htDoc)
		decode(t, v, CourseViewKey(tn, "c-sv", vt), &vtDoc)
		if e := htDoc.Rounds[0].Entries[0]; !e.Amended || e.Level != "beyond" {
			t.Errorf("HT entry = %+v", e)
		}
		if e := vtDoc.Rounds[0].Entries[0]; e.Amended || e.Level != "reached" {
			t.Errorf("VT entry = %+v", e)
		}
	})
}
