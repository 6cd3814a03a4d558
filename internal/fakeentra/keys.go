package fakeentra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"sync"
	"time"
)

// SigningKey is one of a tenant's signing keys, with the self-signed
// certificate Entra publishes beside it (x5c) and the kid Entra derives from
// the certificate's SHA-1 thumbprint (the same value as x5t).
type SigningKey struct {
	Private *rsa.PrivateKey
	CertDER []byte
	Kid     string
}

// Keys are generated once per process and shared by every fake server in it:
// RSA generation is the slowest part of starting a tenant.
var pool struct {
	sync.Mutex
	keys []*SigningKey
}

func poolKey(i int) *SigningKey {
	pool.Lock()
	defer pool.Unlock()
	for len(pool.keys) <= i {
		pool.keys = append(pool.keys, newSigningKey(len(pool.keys)))
	}
	return pool.keys[i]
}

func newSigningKey(serial int) *SigningKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("fakeentra: generate RSA key: " + err.Error()) // the OS's randomness failed: nothing can proceed
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(serial + 1)),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		panic("fakeentra: self-sign certificate: " + err.Error())
	}
	sum := sha1.Sum(der)
	return &SigningKey{Private: priv, CertDER: der, Kid: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// jwk returns the key as Entra publishes it: kty, use, kid, x5t, n, e, x5c,
// and no alg. v2 key sets add the issuer the key may be used for.
func (k *SigningKey) jwk(issuer string) map[string]any {
	pub := k.Private.PublicKey
	m := map[string]any{
		"kty": "RSA",
		"use": "sig",
		"kid": k.Kid,
		"x5t": k.Kid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"x5c": []string{base64.StdEncoding.EncodeToString(k.CertDER)},
	}
	if issuer != "" {
		m["issuer"] = issuer
	}
	return m
}
