package acquire

import (
	"context"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Credential is an azcore.TokenCredential that gets its tokens as acquire
// does (any method, or auto's chain with its explanations), for the
// clients that read evidence (ARM, Resource Graph). Each scope's token is
// acquired once per Credential. Failures are *Error, as from Acquire.
type Credential struct {
	// Request describes the identity; its Scopes are set per call.
	Request Request

	mu     sync.Mutex
	tokens map[string]azcore.AccessToken
}

// GetToken acquires (or reuses) a token for the options' scopes.
func (c *Credential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	key := strings.Join(o.Scopes, " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tokens[key]; ok {
		return t, nil
	}
	req := c.Request
	req.Scopes = o.Scopes
	res, err := Acquire(ctx, req)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	if c.tokens == nil {
		c.tokens = map[string]azcore.AccessToken{}
	}
	t := azcore.AccessToken{Token: res.Token, ExpiresOn: res.ExpiresOn}
	c.tokens[key] = t
	return t, nil
}
