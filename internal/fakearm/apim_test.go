package fakearm

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

// names follows nextLink from a first page and returns every item's name,
// the count each page reported, and the raw last page.
func (w *world) names(tok, first string) (names []string, pages int, last []byte) {
	w.t.Helper()
	next := first
	for next != "" {
		a := w.get(tok, next)
		if a.status != 200 {
			w.t.Fatalf("GET %s: %d %s", next, a.status, a.raw)
		}
		pages++
		items, _ := a.body["value"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			name, ok := m["name"].(string)
			if !ok {
				name = m["apiId"].(string) // revisions
			}
			names = append(names, name)
		}
		next, _ = a.body["nextLink"].(string)
		if next != "" && !strings.HasPrefix(next, w.arm.URL+"/subscriptions/") {
			w.t.Fatalf("nextLink not absolute: %s", next)
		}
		last = a.raw
		if pages > 20 {
			w.t.Fatal("paging does not end")
		}
	}
	return names, pages, last
}

func TestPagingEveryLastPage(t *testing.T) {
	want := []string{"orders", "orders;rev=2", "inventory-v1", "inventory-v2", "status"}
	for _, c := range []struct {
		last LastPage
		tail string
	}{
		{NextLinkAbsent, `"count":5`}, {NextLinkNull, `"nextLink":null`}, {NextLinkEmpty, `"nextLink":""`},
	} {
		w := newWorld(t, func(o *Options) { o.LastPage = c.last })
		got, pages, last := w.names(w.reader(), q(svc("/apis")))
		if !slices.Equal(got, want) || pages != 3 {
			t.Errorf("last page %d: %v in %d pages", c.last, got, pages)
		}
		if !bytes.Contains(last, []byte(c.tail)) || (c.last == NextLinkAbsent && bytes.Contains(last, []byte("nextLink"))) {
			t.Errorf("last page %d ends %s", c.last, last)
		}
	}
	w := newWorld(t)
	a := w.get(w.reader(), q(svc("/apis")))
	if next := a.body["nextLink"].(string); !strings.Contains(next, "$skip=2") || !strings.Contains(next, "api-version=2024-05-01") || a.body["count"] != float64(5) {
		t.Errorf("first page: %s", a.raw)
	}
	// $top bounds the whole list; $skip starts later.
	got, pages, _ := w.names(w.reader(), q(svc("/apis?$top=3")))
	if !slices.Equal(got, want[:3]) || pages != 2 {
		t.Errorf("$top=3: %v in %d pages", got, pages)
	}
	got, _, _ = w.names(w.reader(), q(svc("/apis?$skip=3")))
	if !slices.Equal(got, want[3:]) {
		t.Errorf("$skip=3: %v", got)
	}
	got, _, _ = w.names(w.reader(), q(svc("/apis?$filter=isCurrent%20eq%20true")))
	if slices.Contains(got, "orders;rev=2") || len(got) != 4 {
		t.Errorf("$filter isCurrent: %v", got)
	}
	got, _, _ = w.names(w.reader(), q(svc("/apis?$filter=path%20eq%20'inventory'")))
	if !slices.Equal(got, []string{"inventory-v1", "inventory-v2"}) {
		t.Errorf("$filter path: %v", got)
	}
	if a := w.get(w.reader(), q(svc("/apis?$filter=contains(path,'x')"))); a.status != 400 || a.code() != "ValidationError" {
		t.Errorf("unsupported $filter: %d %s", a.status, a.raw)
	}
	for _, bad := range []string{"$top=abc", "$top=0", "$skip=-1"} {
		if a := w.get(w.reader(), q(svc("/apis?"+bad))); a.status != 400 || a.code() != "ValidationError" {
			t.Errorf("%s: %d", bad, a.status)
		}
	}
}

// Every list is paged, so a client must follow nextLink everywhere.
func TestEveryListPages(t *testing.T) {
	w := newWorld(t)
	for path, n := range map[string]int{
		"/apis/orders/operations": 3, "/products": 3, "/products/starter/apis": 3, "/namedValues": 3,
		"/subscriptions": 5, "/allPolicies": 9, "/policyFragments": 2, "/apis/orders/revisions": 2, "/apis/orders/products": 2,
	} {
		got, pages, _ := w.names(w.reader(), q(svc(path)))
		if len(got) != n || pages != (n+1)/2 {
			t.Errorf("%s: %d items in %d pages: %v", path, len(got), pages, got)
		}
	}
}

func TestPolicyRawxmlAndXML(t *testing.T) {
	w := newWorld(t)
	path := svc("/apis/orders/operations/create-order/policies/policy")
	raw := w.get(w.reader(), q(path+"?format=rawxml"))
	if raw.status != 200 || raw.prop("format") != "rawxml" || raw.prop("value") != createOrderPolicy {
		t.Fatalf("rawxml: %d %s", raw.status, raw.raw)
	}
	if raw.body["id"] != path || raw.body["name"] != "policy" || raw.body["type"] != "Microsoft.ApiManagement/service/apis/operations/policies" {
		t.Errorf("policy contract: %s", raw.raw)
	}
	if raw.header.Get("ETag") == "" {
		t.Error("no ETag")
	}
	if wellFormed(createOrderPolicy) == nil {
		t.Fatal("the seed's rawxml should not be well-formed XML, or this test proves nothing")
	}
	for _, query := range []string{"?format=xml", ""} {
		a := w.get(w.reader(), q(path+query))
		doc, _ := a.prop("value").(string)
		if a.status != 200 || a.prop("format") != "xml" || wellFormed(doc) != nil {
			t.Fatalf("xml %q: %d %v %s", query, a.status, wellFormed(doc), a.raw)
		}
		if !strings.Contains(doc, `condition="@(context.Request.Body == null &amp;&amp; context.Request.Headers.GetValueOrDefault(&quot;Content-Length&quot;, &quot;0&quot;) != &quot;0&quot;)"`) {
			t.Errorf("xml rendering:\n%s", doc)
		}
		if a.header.Get("ETag") != raw.header.Get("ETag") {
			t.Error("one document, two ETags")
		}
	}
	if a := w.get(w.reader(), q(path+"?format=xml-raw")); a.status != 400 {
		t.Errorf("format xml-raw (not in the enum): %d", a.status)
	}
	// HEAD (GetEntityTag) answers the ETag.
	if a := w.do(w.reader(), http.MethodHead, q(path), nil); a.status != 200 || a.header.Get("ETag") == "" {
		t.Errorf("HEAD: %d %v", a.status, a.header)
	}
}

func wellFormed(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func TestNotFound(t *testing.T) {
	w := newWorld(t)
	for path, want := range map[string]string{
		"/apis/inventory-v1/policies/policy":                "Entity with specified identifier not found",
		"/apis/orders/operations/get-order/policies/policy": "Entity with specified identifier not found",
		"/products/public/policies/policy":                  "Entity with specified identifier not found",
		"/apis/nothing":                                     "Api not found.",
		"/apis/nothing/policies/policy":                     "Api not found.",
		"/apis/orders;rev=9":                                "Api not found.",
		"/apis/orders/operations/nothing":                   "Operation not found.",
		"/apis/orders/operations/nothing/policies/policy":   "Operation not found.",
		"/products/nothing":                                 "Product not found.",
		"/products/nothing/policies/policy":                 "Product not found.",
		"/policyFragments/nothing":                          "PolicyFragment not found.",
		"/namedValues/nothing":                              "NamedValue not found.",
		"/subscriptions/nothing":                            "Subscription not found.",
		"/apiVersionSets/nothing":                           "ApiVersionSet not found.",
		"/apis/orders/unknownThings":                        "The requested resource was not found.",
	} {
		a := w.get(w.reader(), q(svc(path)))
		if a.status != 404 || a.code() != "ResourceNotFound" || a.message() != want {
			t.Errorf("%s: %d %s", path, a.status, a.raw)
		}
	}
	a := w.get(w.reader(), q(ServiceID(ContosoSubscription, ContosoResourceGroup, "elsewhere")))
	if a.status != 403 {
		t.Errorf("a service the reader has no role on: %d (ARM refuses before it looks)", a.status)
	}
	w.arm.Grant(Assignment{PrincipalID: fakeentra.EvidenceReaderObjectID, Role: Reader, Scope: "/subscriptions/" + ContosoSubscription})
	a = w.get(w.reader(), q(ServiceID(ContosoSubscription, ContosoResourceGroup, "elsewhere")))
	if a.status != 404 || a.message() != "The Resource 'Microsoft.ApiManagement/service/elsewhere' under resource group 'apis' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix" {
		t.Errorf("missing service: %d %s", a.status, a.raw)
	}
	if a = w.get(w.reader(), q(ServiceID(ContosoSubscription, "nogroup", "contoso"))); a.status != 404 || a.code() != "ResourceGroupNotFound" {
		t.Errorf("missing group: %d %s", a.status, a.raw)
	}
	if a = w.get(w.reader(), q(ServiceID("11111111-0000-4000-8000-000000000000", "apis", "contoso"))); a.status != 404 || a.code() != "SubscriptionNotFound" {
		t.Errorf("missing subscription: %d %s", a.status, a.raw)
	}
}

// allPolicies names exactly the scopes whose policy GET answers 200.
func TestAllPoliciesMatchesDocuments(t *testing.T) {
	w := newWorld(t)
	listed := map[string]bool{}
	next := q(svc("/allPolicies"))
	for next != "" {
		a := w.get(w.reader(), next)
		for _, it := range a.body["value"].([]any) {
			p := it.(map[string]any)["properties"].(map[string]any)
			if p["complianceState"] != "Compliant" {
				t.Errorf("complianceState %v", p["complianceState"])
			}
			listed[p["referencePolicyId"].(string)] = true
		}
		next, _ = a.body["nextLink"].(string)
	}
	scopes := []string{""}
	for _, p := range []string{"starter", "partners", "public"} {
		scopes = append(scopes, "/products/"+p)
	}
	for _, a := range Contoso().Services[0].APIs {
		id := "/apis/" + a.Name
		if a.NotCurrent {
			id += ";rev=" + a.Revision
		}
		scopes = append(scopes, id)
		for _, o := range a.Operations {
			scopes = append(scopes, id+"/operations/"+o.Name)
		}
	}
	found := 0
	for _, sc := range scopes {
		ref := svc(sc + "/policies/policy")
		a := w.get(w.reader(), q(ref+"?format=rawxml"))
		if (a.status == 200) != listed[ref] {
			t.Errorf("%s: GET %d, listed %v", ref, a.status, listed[ref])
		}
		if a.status == 200 {
			found++
		}
	}
	if found != len(listed) || found != 9 {
		t.Errorf("%d documents, %d listed", found, len(listed))
	}
}

func TestThrottleAndConflictThenSuccess(t *testing.T) {
	w := newWorld(t)
	path := q(svc("/apis/orders/policies/policy"))
	w.arm.InjectThrottle("/apis/orders/policies/policy")
	a := w.get(w.reader(), path)
	if a.status != 429 || a.header.Get("Retry-After") != "1" || a.code() != "SubscriptionRequestsThrottled" {
		t.Fatalf("throttled: %d %v %s", a.status, a.header, a.raw)
	}
	if a = w.get(w.reader(), path); a.status != 200 {
		t.Fatalf("after the 429: %d", a.status)
	}
	w.arm.InjectConflict("/apis/orders", http.StatusConflict, 1)
	w.arm.InjectConflict("/apis/orders", http.StatusPreconditionFailed, 1)
	for _, want := range []int{409, 412, 200} {
		a := w.get(w.reader(), q(svc("/apis/orders")))
		if a.status != want || (want != 200 && a.message() != "Operation on the API is in progress") {
			t.Errorf("want %d: %d %s", want, a.status, a.raw)
		}
	}
}

func TestCountsAndLatency(t *testing.T) {
	w := newWorld(t)
	path := svc("/apis/orders/policies/policy")
	w.get(w.reader(), q(path+"?format=rawxml"))
	w.get(w.reader(), q(path+"?format=rawxml"))
	w.get(w.reader(), q(svc("/apis")))
	if w.arm.Hits("GET", path) != 2 || w.arm.TotalHits() != 3 {
		t.Errorf("hits %d, total %d", w.arm.Hits("GET", path), w.arm.TotalHits())
	}
	rep := w.arm.Repeated()
	if len(rep) != 1 || rep["GET "+path+"?format=rawxml&"+v] != 2 {
		t.Errorf("repeated %v", rep)
	}
	w.arm.SetLatency(60_000_000) // 60 ms
	a := timeIt(func() { w.get(w.reader(), q(path)) })
	if a < 60_000_000 {
		t.Errorf("latency not applied: %v", a)
	}
}

func TestVersionSetAndService(t *testing.T) {
	w := newWorld(t)
	a := w.get(w.reader(), q(svc("/apis/inventory-v2?expandApiVersionSet=true")))
	if a.prop("apiVersion") != "v2" || a.prop("apiVersionSetId") != svc("/apiVersionSets/inventory") {
		t.Errorf("inventory-v2: %s", a.raw)
	}
	if a := w.get(w.reader(), q(svc("/apiVersionSets/inventory"))); a.prop("versioningScheme") != "Segment" || a.body["type"] != "Microsoft.ApiManagement/service/api-version-sets" {
		t.Errorf("version set: %s", a.raw)
	}
	s := w.get(w.reader(), q(ContosoServiceID))
	hosts := fmt.Sprint(s.prop("hostnameConfigurations"))
	for _, want := range []string{"contoso.azure-api.net", ContosoCustomHost, "DeveloperPortal"} {
		if !strings.Contains(hosts, want) {
			t.Errorf("hostnameConfigurations lack %s: %s", want, hosts)
		}
	}
	if s.prop("gatewayRegionalUrl") != ContosoRegionalURL || !strings.Contains(fmt.Sprint(s.prop("additionalLocations")), ContosoNorthURL) ||
		fmt.Sprint(s.prop("apiVersionConstraint")) != "map[minApiVersion:2021-08-01]" {
		t.Errorf("service: %s", s.raw)
	}
	if a := w.get(w.reader(), q(svc("/apis/orders;rev=2"))); a.prop("isCurrent") != false || a.prop("apiRevision") != "2" || a.body["name"] != "orders;rev=2" {
		t.Errorf("revision 2: %s", a.raw)
	}
	if a := w.get(w.reader(), q(svc("/apis/orders;rev=1"))); a.prop("isCurrent") != true {
		t.Errorf("revision 1 is the current one: %s", a.raw)
	}
	if a := w.get(w.reader(), q(svc("/products/public"))); a.prop("subscriptionRequired") != false {
		t.Errorf("public product: %s", a.raw)
	}
}

// Clients read concurrently; grants and faults may change meanwhile.
func TestConcurrentRequests(t *testing.T) {
	w := newWorld(t)
	tok := w.reader()
	done := make(chan int)
	for i := 0; i < 16; i++ {
		go func(i int) {
			a := w.get(tok, q(svc(fmt.Sprintf("/apis?$skip=%d", i%5))))
			done <- a.status
		}(i)
	}
	w.arm.Grant(Assignment{PrincipalID: fakeentra.EvidenceNoneObjectID, Role: Reader, Scope: ContosoServiceID})
	w.arm.InjectThrottle("/nothing")
	for i := 0; i < 16; i++ {
		if s := <-done; s != 200 {
			t.Errorf("status %d", s)
		}
	}
	if w.arm.TotalHits() != 16 {
		t.Errorf("%d hits", w.arm.TotalHits())
	}
}
