package armsource

import (
	"fmt"
	"io"
	"net/http"
	"net/url"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entratoken/entratoken/internal/netx"
)

// maxAnswer bounds one ARM answer as the SDK's clients read it (they read
// a body whole, with no bound of their own): a page of APIs or policies is
// KiB to a few MiB; a hostile or broken endpoint streaming more is cut off
// instead of filling memory until --timeout. A var for tests.
var maxAnswer int64 = 64 << 20

// limitTransport is the transport under azcore's pipeline: it sends only
// to the endpoint's origin (the SDK's pagers follow any nextLink ARM
// answers, with the credential's token), and every body it returns fails
// to read past maxAnswer.
type limitTransport struct {
	next   azpolicy.Transporter
	origin *url.URL
}

func (t limitTransport) Do(req *http.Request) (*http.Response, error) {
	if !netx.SameOrigin(req.URL, t.origin) {
		return nil, fmt.Errorf("ARM's next page %s is not on %s://%s: not followed", netx.MaskQuery(req.URL.String()), t.origin.Scheme, t.origin.Host)
	}
	resp, err := t.next.Do(req)
	if resp != nil && resp.Body != nil {
		resp.Body = &limitedBody{ReadCloser: resp.Body, left: maxAnswer}
	}
	return resp, err
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return n + int(b.left), fmt.Errorf("ARM's answer is larger than %d MiB: not read", maxAnswer>>20)
	}
	return n, err
}
