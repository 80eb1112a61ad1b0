package auth

import (
	"context"
	"fmt"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// RemoteKeys is an external issuer's JWKS, fetched and refreshed in the
// background by jwx's cache (it honours the response's cache headers).
type RemoteKeys struct {
	cache *jwk.Cache
	url   string
}

// NewRemoteKeys starts fetching url; it does not wait for the first fetch,
// so the service starts while the issuer is down (tokens are refused, 401,
// until the keys arrive).
func NewRemoteKeys(ctx context.Context, url string) (*RemoteKeys, error) {
	c, err := jwk.NewCache(ctx, httprc.NewClient())
	if err != nil {
		return nil, fmt.Errorf("jwks cache: %w", err)
	}
	if err := c.Register(ctx, url, jwk.WithWaitReady(false)); err != nil {
		return nil, fmt.Errorf("jwks %s: %w", url, err)
	}
	return &RemoteKeys{cache: c, url: url}, nil
}

// Keys implements KeySource.
func (r *RemoteKeys) Keys(ctx context.Context) (jwk.Set, error) {
	return r.cache.Lookup(ctx, r.url)
}
