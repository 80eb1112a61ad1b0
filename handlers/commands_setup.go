package handlers

import (
	"context"
	"net/http"

	"github.com/iup-platform/iup/domain"
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
