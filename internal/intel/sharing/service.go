package sharing

import (
	"cmp"
	"time"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/platform/db"
)

// Service answers the collections' contents.
type Service struct {
	db         *db.DB
	now        func() time.Time
	access     *access.Store
	centerName string
}

// New makes the service; centerName is the MISP events' creator.
func New(d *db.DB, now func() time.Time, acc *access.Store, centerName string) *Service {
	return &Service{db: d, now: now, access: acc, centerName: cmp.Or(centerName, "The CERT coordination center")}
}
