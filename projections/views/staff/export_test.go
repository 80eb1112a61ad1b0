package staff

// One projection per view, for tests that compare one view's documents
// alone; the service runs them as one family (Projection), and
// TestFamilyEqualsItsViews shows the two write the same documents.
var (
	MentorOverview = family(MentorOverviewName, nil, renderMentors)
	CourseView     = family(CourseViewName, nil, renderCourses)
	SchoolLists    = family(SchoolListsName, nil, renderSchools)
)
