package intel

import (
	"context"
	"io"

	"github.com/certhub/certhub/internal/intel/access"
	"github.com/certhub/certhub/internal/intel/ingest"
	"github.com/certhub/certhub/internal/platform/auth"
	"github.com/certhub/certhub/internal/platform/errs"
)

// AddObjects reads a TAXII envelope (or a STIX bundle) of objects into c —
// the staff's as the collection's own source, an analyst's as a source of
// their organisation's — keeping its TAXII status as it goes (see
// taxiistatus.go). It answers the status's id, also when the load failed
// after the status was made (the status then says what was stored).
func (s *Service) AddObjects(ctx context.Context, id *auth.Identity, c access.Collection, r io.Reader) (string, error) {
	v, err := s.Viewer(ctx, id)
	if err != nil {
		return "", err
	}
	if !v.ReadsCollection(c) {
		return "", errs.NotFound("no such collection")
	}
	if v.Peer() {
		// A linked instance adds only as its own source, held to the
		// link's ceiling, and only when it pushes rather than is pulled.
		src, ok, err := s.peerWriter(ctx, id.User.ID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errs.Forbidden("this link's intelligence is pulled, not pushed: the peer's collection is read from here")
		}
		return s.addAs(ctx, id, c, src, auth.System("federation"), r)
	}
	if !access.MayWrite(v, id, c) {
		return "", errs.Forbidden("you may read this collection but not add to it")
	}
	name, label := "TAXII: "+c.Title, "AMBER"
	var owner *string
	if !v.All() {
		org := access.WriterOrg(id)
		orgs, err := s.orgs(ctx)
		if err != nil {
			return "", err
		}
		name, owner = "TAXII: "+orgs[org].Name+" in "+c.Title, &org
	}
	src, err := s.ensureSource(ctx, name, label, owner, c)
	if err != nil {
		return "", err
	}
	return s.addAs(ctx, id, c, src, auth.System("taxii"), r)
}

// addAs loads a TAXII POST's envelope into src as actor, and answers the
// status that follows it.
func (s *Service) addAs(ctx context.Context, id *auth.Identity, c access.Collection, src Source, actor *auth.Identity, r io.Reader) (string, error) {
	st, err := s.newTAXIIStatus(ctx, id, c)
	if err != nil {
		return "", err
	}
	_, err = s.Ingest(ctx, actor, src, r, IngestOptions{Format: ingest.STIX, Via: "taxii",
		Stored: st.stored, Finish: st.finish})
	return st.id, err
}
