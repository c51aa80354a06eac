package app

import (
	"context"

	"github.com/certhub/certhub/internal/federation"
	"github.com/certhub/certhub/internal/intel"
	"github.com/certhub/certhub/internal/intel/taxii"
)

// federationIntel lets a federation link pull the peer's intelligence and
// cap what the peer's account reads, through threat intelligence's peers.
type federationIntel struct{ intel *intel.Service }

func (f federationIntel) Link(ctx context.Context, p federation.IntelLink) (federation.IntelState, error) {
	src, err := f.intel.LinkPeer(ctx, intel.Peer{Key: p.Key, Name: p.Name, OwnerOrgID: p.OrgID, UserID: p.UserID, URL: p.URL,
		Token: p.Token, Ceiling: p.Ceiling, Pull: p.Pull})
	if err != nil {
		return federation.IntelState{}, err
	}
	return intelState(src), nil
}

func (f federationIntel) Unlink(ctx context.Context, key string) error {
	return f.intel.UnlinkPeer(ctx, key)
}

func (f federationIntel) State(ctx context.Context, key string) (federation.IntelState, bool, error) {
	src, ok, err := f.intel.PeerSource(ctx, key)
	if err != nil || !ok {
		return federation.IntelState{}, false, err
	}
	return intelState(src), true, nil
}

func (f federationIntel) CollectionURL(ctx context.Context, alias string) (string, error) {
	c, err := f.intel.Access().Collection(ctx, alias)
	if err != nil {
		return "", err
	}
	return taxii.Root + "collections/" + c.ID + "/", nil
}

func intelState(src intel.Source) federation.IntelState {
	return federation.IntelState{SourceID: src.ID, Enabled: src.Enabled, LastRunAt: src.LastRunAt, LastStatus: src.LastStatus,
		LastError: src.LastError, NextRunAt: src.NextRunAt}
}
