package home

// One projection per view, for tests that compare one view's documents
// alone; the service runs them as one family (Projection), and
// TestFamilyEqualsItsViews shows the two write the same documents.
var (
	GuardianView     = family(GuardianViewName, nil, false, guardianView)
	StudentView      = family(StudentViewName, nil, false, studentView)
	TermSnapshot     = family(TermSnapshotName, nil, false, termSnapshots)
	ConferenceRecord = family(ConferenceRecordName, nil, true, conferenceRecords)
)
