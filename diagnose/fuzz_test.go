package diagnose

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseResponse: a saved response of any shape is parsed or refused,
// and classified without a panic.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 401 Access Denied\r\nContent-Type: application/json\r\n\r\n{ \"statusCode\": 401, \"message\": \"Access denied due to missing subscription key.\" }",
		"HTTP/2 401\r\nwww-authenticate: Bearer error=\"invalid_token\"\r\n\r\n",
		"HTTP/1.1 403 Forbidden\r\n\r\n{\"statusCode\":403,\"message\":\"x\"}",
		"HTTP/1.1 200 OK\r\n\r\nok",
		"hello",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		status, h, body, err := ParseResponse(bytes.NewReader(b))
		if err != nil {
			return
		}
		info := Classify(status, h, body)
		ResponseFindings(info)
	})
}

// seedPolicies adds every policy fixture to a fuzz target's corpus.
func seedPolicies(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "policies", "*.xml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
}
