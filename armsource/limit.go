package armsource

import (
	"fmt"
	"io"
	"net/http"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// maxAnswer bounds one ARM answer as the SDK's clients read it (they read
// a body whole, with no bound of their own): a page of APIs or policies is
// KiB to a few MiB; a hostile or broken endpoint streaming more is cut off
// instead of filling memory until --timeout. A var for tests.
var maxAnswer int64 = 64 << 20

// limitTransport is the transport under azcore's pipeline: every body it
// returns fails to read past maxAnswer.
type limitTransport struct{ next azpolicy.Transporter }

func (t limitTransport) Do(req *http.Request) (*http.Response, error) {
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
