package armsource

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"sort"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// ActionListSecrets is the action that shows a subscription's keys; the
// API Management Service Reader Role does not have it.
const ActionListSecrets = "Microsoft.ApiManagement/service/subscriptions/listSecrets/action"

// KeyOwner finds the subscription whose primary or secondary key is key,
// which says the request's product context (reference §1.8): there is no
// lookup by key, so it lists the service's subscriptions (keys are not in
// the list) and asks listSecrets of each until one holds the key. It asks
// first those whose scope covers the API the request reaches (they are what
// could make the key valid), then, when none matched, the others (to say
// whose key it is). Keys are compared in constant time and never kept. The
// owner is nil when it is not known (the findings say why: the right to
// list secrets is missing, a read failed); a non-nil owner with a nil
// Subscription is a key of no subscription.
func (c *Client) KeyOwner(ctx context.Context, ref ServiceRef, key string, api *policy.API) (*policy.KeyOwner, []finding.Finding) {
	f, err := c.factory(ref)
	if err != nil {
		return nil, []finding.Finding{failure(ActionListSecrets, "the subscription of the key sent", ContributorRole, err)}
	}
	cl := f.NewSubscriptionClient()
	var subs []*policy.Subscription
	c.logf("ARM: the subscriptions of %s (which one the key sent belongs to)", ref.ID())
	err = pages(ctx, cl.NewListPager(ref.ResourceGroup, ref.Name, nil), func(p armapimanagement.SubscriptionClientListResponse) {
		for _, s := range p.Value {
			if s == nil || s.Name == nil || s.Properties == nil {
				continue
			}
			sub := &policy.Subscription{Name: *s.Name, ID: to0(s.ID), DisplayName: to0(s.Properties.DisplayName), Scope: to0(s.Properties.Scope)}
			if s.Properties.State != nil {
				sub.State = string(*s.Properties.State)
			}
			subs = append(subs, sub)
		}
	})
	if err != nil {
		return nil, []finding.Finding{keyFinding(failure(fmt.Sprintf(actionRead, "subscriptions"), "the subscriptions of "+ref.ID(), ReaderRole, err))}
	}
	// Those that could make the key valid for the API first.
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].Covers(api) && !subs[j].Covers(api) })
	var fails []finding.Finding
	for _, s := range subs {
		c.logf("ARM: the keys of subscription %s (compared, never shown)", s.Name)
		resp, err := cl.ListSecrets(ctx, ref.ResourceGroup, ref.Name, s.Name, nil)
		if err != nil {
			fd := keyFinding(failure(ActionListSecrets, "the keys of subscription "+s.Name, ContributorRole, err))
			if status(err) == http.StatusForbidden { // every other one is refused alike
				return nil, []finding.Finding{fd}
			}
			fails = append(fails, fd)
			continue
		}
		if sameKey(key, resp.PrimaryKey) || sameKey(key, resp.SecondaryKey) {
			return &policy.KeyOwner{Subscription: s}, nil
		}
	}
	if len(fails) > 0 { // it may be a key of one that could not be read
		return nil, fails
	}
	return &policy.KeyOwner{}, nil
}

// sameKey compares a key with one of a subscription's in constant time.
func sameKey(sent string, k *string) bool {
	return k != nil && *k != "" && subtle.ConstantTimeCompare([]byte(sent), []byte(*k)) == 1
}

// keyFinding says what a failed read leaves open: which product's policies
// the key runs.
func keyFinding(f finding.Finding) finding.Finding {
	f.Message += "; so which subscription (and product) the key sent belongs to is not known, and every product that could apply is evaluated"
	if f.Code == finding.EvidenceForbidden {
		f.Fix += "; or say which with --product NAME or --no-product"
	}
	return f
}
