package handlers

import (
	"context"
	"net/http"

	"github.com/iup-platform/iup/domain"
	"github.com/iup-platform/iup/domain/roster"
	"github.com/iup-platform/iup/domain/setup"
)

// Setup commands (organiser admin): school years, subjects, scales,
// templates, schools and organiser settings.

// created is the body of a command that made a record.
type created struct {
	ID       string `json:"id"`
	Revision int64  `json:"revision"`
}

// changed is the body of a command on an existing record.
type changed struct {
	Revision int64 `json:"revision"`
}

func createdAt(location, id string, res domain.Result) written {
	return written{Status: http.StatusCreated, Location: location, Result: &res,
		Body: created{ID: id, Revision: int64(res.Version)}}
}

func changedTo(res domain.Result) written {
	return written{Result: &res, Body: changed{Revision: int64(res.Version)}}
}

// orNewID is the client's id when given (checked by the domain), else a
// new one.
func orNewID(c *cmd, id, prefix string) string {
	if id != "" {
		return id
	}
	return c.NewID(prefix)
}

type termDates struct {
	Start domain.Date `json:"start"`
	End   domain.Date `json:"end"`
}

func (a *API) createSchoolYear(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		ID       string    `json:"id"`
		SchoolID string    `json:"school_id"`
		HT       termDates `json:"ht"`
		VT       termDates `json:"vt"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "sy-")
	c.Stream = setup.SchoolYearStream(c.Tenant(), id)
	res, err := setup.HandleSchoolYear(ctx, c.Log, setup.CreateSchoolYear{Meta: c.Meta, SchoolYearID: id, SchoolID: in.SchoolID,
		HT: setup.Term{Kind: domain.HT, Start: in.HT.Start, End: in.HT.End},
		VT: setup.Term{Kind: domain.VT, Start: in.VT.Start, End: in.VT.End}})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/school-years/"+id, id, res), nil
}

func (a *API) changeTermDates(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("school_year_id")
	if err != nil {
		return written{}, err
	}
	kind := domain.TermKind(muxVar(c.r, "term"))
	if !kind.Valid() {
		return written{}, badPath("term", "The term is HT or VT.")
	}
	var in termDates
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	c.Stream = setup.SchoolYearStream(c.Tenant(), id)
	res, err := setup.HandleSchoolYear(ctx, c.Log, setup.ChangeTermDates{Meta: c.Meta, SchoolYearID: id, Kind: kind, Start: in.Start, End: in.End})
	if err != nil {
		return written{}, err
	}
	return changedTo(res), nil
}

func (a *API) registerSchool(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		SchoolForms []string `json:"school_forms"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "school-")
	c.Stream = setup.SchoolStream(c.Tenant(), id)
	res, err := setup.HandleSchool(ctx, c.Log, setup.RegisterSchool{Meta: c.Meta, SchoolID: id, Name: in.Name, SchoolForms: in.SchoolForms})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/schools/"+id, id, res), nil
}

func (a *API) changeSchool(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("school_id")
	if err != nil {
		return written{}, err
	}
	var in struct {
		Name        string   `json:"name"`
		SchoolForms []string `json:"school_forms"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	c.Stream = setup.SchoolStream(c.Tenant(), id)
	res, err := setup.HandleSchool(ctx, c.Log, setup.ChangeSchool{Meta: c.Meta, SchoolID: id, Name: in.Name, SchoolForms: in.SchoolForms})
	if err != nil {
		return written{}, err
	}
	return changedTo(res), nil
}

// organiser runs one command on the organiser's own stream.
func (a *API) organiser(ctx context.Context, c *cmd, oc setup.OrganiserCommand) (written, error) {
	c.Stream = setup.OrganiserStream(c.Tenant())
	res, err := setup.HandleOrganiser(ctx, c.Log, oc)
	if err != nil {
		return written{}, err
	}
	return changedTo(res), nil
}

func (a *API) changeOrganiserSettings(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		TimeZone          *string `json:"time_zone"`
		ShowSupportToHome *bool   `json:"show_support_to_home"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	if in.TimeZone == nil && in.ShowSupportToHome == nil {
		return written{}, badBody("", "Name time_zone, show_support_to_home or both.")
	}
	var out written
	var err error
	if in.TimeZone != nil {
		if out, err = a.organiser(ctx, c, setup.SetTimeZone{Meta: c.Meta, TimeZone: *in.TimeZone}); err != nil {
			return written{}, err
		}
	}
	if in.ShowSupportToHome != nil {
		if out, err = a.organiser(ctx, c, setup.SetSupportVisibility{Meta: c.Meta, ShowSupportToHome: *in.ShowSupportToHome}); err != nil {
			return written{}, err
		}
	}
	return out, nil
}

func (a *API) defineSubject(ctx context.Context, c *cmd) (written, error) {
	code := muxVar(c.r, "code")
	var in struct {
		Name string `json:"name"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	return a.organiser(ctx, c, setup.DefineSubject{Meta: c.Meta, Code: code, Name: in.Name})
}

func (a *API) removeSubject(ctx context.Context, c *cmd) (written, error) {
	return a.organiser(ctx, c, setup.RemoveSubject{Meta: c.Meta, Code: muxVar(c.r, "code")})
}

func (a *API) createScale(ctx context.Context, c *cmd) (written, error) {
	var in struct {
		ID           string       `json:"id"`
		Name         string       `json:"name"`
		Steps        []setup.Step `json:"steps"`
		FreeTextOnly bool         `json:"free_text_only"`
	}
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "scale-")
	c.Stream = setup.ScaleStream(c.Tenant(), id)
	res, err := setup.HandleScale(ctx, c.Log, setup.CreateScale{Meta: c.Meta, ScaleID: id, Name: in.Name, Steps: in.Steps, FreeTextOnly: in.FreeTextOnly})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/scales/"+id, id, res), nil
}

type templateBody struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	SchoolID string        `json:"school_id"`
	Fields   []setup.Field `json:"fields"`
}

func (a *API) createTemplate(ctx context.Context, c *cmd) (written, error) {
	var in templateBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	id := orNewID(c, in.ID, "tpl-")
	c.Stream = setup.TemplateStream(c.Tenant(), id)
	res, err := setup.HandleTemplate(ctx, c.Log, roster.IsPrincipal(c.Log), setup.CreateTemplate{Meta: c.Meta, TemplateID: id, Title: in.Title, SchoolID: in.SchoolID, Fields: in.Fields})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/templates/"+id, id, res), nil
}

// newTemplateVersion makes a new version; plans made earlier keep theirs.
func (a *API) newTemplateVersion(ctx context.Context, c *cmd) (written, error) {
	id, err := c.Var("template_id")
	if err != nil {
		return written{}, err
	}
	var in templateBody
	if err := c.Decode(&in); err != nil {
		return written{}, err
	}
	if in.ID != "" && in.ID != id {
		return written{}, badBody("id", "The id is the one in the path; leave it out.")
	}
	c.Stream = setup.TemplateStream(c.Tenant(), id)
	res, err := setup.HandleTemplate(ctx, c.Log, roster.IsPrincipal(c.Log), setup.ChangeTemplate{Meta: c.Meta, TemplateID: id, Title: in.Title, SchoolID: in.SchoolID, Fields: in.Fields})
	if err != nil {
		return written{}, err
	}
	return createdAt("/v1/templates/"+id, id, res), nil
}
