package home

// One projection per view, for tests that compare one view's documents
// alone; the service runs them as one family (Projection), and
// TestFamilyEqualsItsViews shows the two write the same documents.
var (
	GuardianView     = family(GuardianViewName, nil, false, nil, guardianView)
	StudentView      = family(StudentViewName, nil, false, nil, studentView)
	TermSnapshot     = family(TermSnapshotName, nil, false, nil, termSnapshots)
	ConferenceRecord = family(ConferenceRecordName, nil, true, []render{conferenceRecords})
)
