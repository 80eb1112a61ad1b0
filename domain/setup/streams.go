// Package setup holds what an organiser (huvudman) sets up before schools
// use the product: its settings and subject codes, schools, school years
// (läsår) with their terms, assessment scales (bedömningsskalor) and plan
// templates (mallar). Each is its own small stream; the organiser stream also
// indexes the school years, so term overlaps are checked in one place.
package setup

import "github.com/iup-platform/iup/domain"

// Stream categories. Each ends before the first '-' of the stream name.
const (
	organiserCategory  = "setuporganiser"
	schoolYearCategory = "setupschoolyear"
	scaleCategory      = "setupscale"
	templateCategory   = "setuptemplate"
	schoolCategory     = "setupschool"
)

// organiserID is the id part of the one organiser stream per tenant.
const organiserID = "settings"

// OrganiserStream is the organiser's settings stream (one per tenant).
func OrganiserStream(tenant string) string {
	return domain.StreamName(organiserCategory, tenant, organiserID)
}

// SchoolYearStream is the stream of one school year.
func SchoolYearStream(tenant, id string) string {
	return domain.StreamName(schoolYearCategory, tenant, id)
}

// ScaleStream is the stream of one assessment scale.
func ScaleStream(tenant, id string) string { return domain.StreamName(scaleCategory, tenant, id) }

// TemplateStream is the stream of one plan template with all its versions.
func TemplateStream(tenant, id string) string {
	return domain.StreamName(templateCategory, tenant, id)
}

// SchoolStream is the stream of one school.
func SchoolStream(tenant, id string) string { return domain.StreamName(schoolCategory, tenant, id) }
