package app

import (
	"context"
	"time"

	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement"
)

// assessmentLabs tells assessments whether a lab's accreditation stands,
// from procurement's register.
type assessmentLabs struct{ p *procurement.Service }

var assessmentSystem = auth.System("assessment")

// Accredited reports whether orgID's accreditation stands at t.
func (l assessmentLabs) Accredited(ctx context.Context, orgID string, t time.Time) (bool, error) {
	a, err := l.p.Lab(ctx, assessmentSystem, orgID)
	if errs.KindOf(err) == errs.KindNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Stands(t), nil
}
