package intel

import (
	"context"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/actors"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// ActorProfiles lists the actor profiles id reads something of.
func (s *Service) ActorProfiles(ctx context.Context, id *auth.Identity, f actors.Filter) (actors.List, error) {
	v, err := s.actorViewer(ctx, id)
	if err != nil {
		return actors.List{}, err
	}
	return s.actors.List(ctx, v, f)
}

// ActorProfile answers one profile as id reads it.
func (s *Service) ActorProfile(ctx context.Context, id *auth.Identity, actorID string) (actors.Profile, error) {
	v, err := s.actorViewer(ctx, id)
	if err != nil {
		return actors.Profile{}, err
	}
	return s.actors.Get(ctx, v, id, actorID)
}

// Attribute attributes an incident or case to a profile.
func (s *Service) Attribute(ctx context.Context, id *auth.Identity, actorID string, in actors.AttributionInput) (actors.Record, error) {
	v, err := s.actorViewer(ctx, id)
	if err != nil {
		return actors.Record{}, err
	}
	return s.actors.Attribute(ctx, v, id, actorID, in)
}

// Unattribute withdraws an attribution.
func (s *Service) Unattribute(ctx context.Context, id *auth.Identity, actorID, kind, ref string) error {
	v, err := s.actorViewer(ctx, id)
	if err != nil {
		return err
	}
	return s.actors.Unattribute(ctx, v, id, actorID, kind, ref)
}

// RefreshActorsIn rebuilds the claims of every source with claims in c:
// after an object of c was deleted.
func (s *Service) RefreshActorsIn(ctx context.Context, c access.Collection) error {
	nums, err := db.QueryAll(ctx, s.db, func(r db.Row) (int64, error) {
		var n int64
		return n, r.Scan(&n)
	}, `SELECT DISTINCT source_num FROM intel_actor_claims WHERE collection_num = $1`, c.Num)
	if err != nil {
		return err
	}
	for _, n := range nums {
		if err := s.actors.Refresh(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// actorViewer is the viewer of a signed-in caller: profiles are never
// public.
func (s *Service) actorViewer(ctx context.Context, id *auth.Identity) (*access.Viewer, error) {
	if id == nil {
		return nil, errs.Unauthenticated("sign in to read threat intelligence")
	}
	return s.access.Viewer(ctx, id)
}
