package fakeapim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/policy"
)

// serveService answers as a gateway in front of a whole service: route to
// the API and operation (404 otherwise), the subscription check against
// the API's products (api-management-subscriptions), then the effective
// policy of the request's product context.
func (g *Gateway) serveService(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	svc := g.opts.Service
	headers := map[string]string{}
	for k, v := range r.Header {
		headers[k] = strings.Join(v, ",")
	}
	m, err := svc.Route(r.Method, r.URL.String(), headers)
	var nf *policy.NotFoundError
	if errors.As(err, &nf) {
		if nf.API != nil {
			apimError(w, http.StatusNotFound, "Unable to match incoming request to an operation.")
		} else {
			apimError(w, http.StatusNotFound, "Resource not found")
		}
		return
	}
	if err != nil {
		apimError(w, http.StatusBadRequest, err.Error())
		return
	}
	rec := g.startTrace(w, r, m, start)
	defer rec.finish()
	key := r.Header.Get(m.API.KeyHeader)
	if key == "" {
		key = r.URL.Query().Get(m.API.KeyQuery)
	}
	var ctx policy.Context
	if key == "" {
		ctxs, _ := svc.Contexts(m.API, "", false, false)
		ctx = ctxs[0]
	} else {
		product, known := g.opts.Keys[key]
		var p *policy.Product
		if product != "" {
			p = svc.FindProduct(product)
		}
		switch {
		case !known, p != nil && !m.API.HasProduct(p):
			ctx.Refused = policy.KeyInvalid
		case p != nil:
			ctx.Product = p
		}
	}
	switch ctx.Refused {
	case policy.KeyMissing:
		w.Header().Set("WWW-Authenticate", `AzureApiManagementKey realm="`+g.URL+m.API.Path+`",name="`+m.API.KeyHeader+`",type="header"`)
		apimError(w, http.StatusUnauthorized, MissingKeyMessage)
		return
	case policy.KeyInvalid:
		apimError(w, http.StatusUnauthorized, InvalidKeyMessage)
		return
	}
	rec.product(ctx.Product)
	eff, err := policy.Compose(svc.Set(m.API, m.Operation, ctx))
	if err != nil {
		apimError(w, http.StatusInternalServerError, "fake gateway: "+err.Error())
		return
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	rep, err := diagnose.Run(context.Background(), diagnose.Input{AsSent: true, Headers: headers, Query: query, Resolver: g.res, Authority: g.auth,
		Target: &diagnose.Target{Effective: eff, Service: svc, API: m.API, Operation: m.Operation, Context: ctx, Complete: true}})
	rec.steps(rep)
	if !g.answer(w, rep, err) {
		if rep != nil && rep.Status >= 400 {
			rec.refused(rep.Status)
		}
		return
	}
	rec.forwarded(r)
	g.mu.Lock()
	g.backend++
	g.mu.Unlock()
	backend(w, r)
}

// answer writes the gateway's own answer for a report, and says whether
// the request goes on to the backend.
func (g *Gateway) answer(w http.ResponseWriter, rep *diagnose.Report, err error) bool {
	switch {
	case err != nil:
		apimError(w, http.StatusInternalServerError, "fake gateway: "+err.Error())
	case rep.Verdict == diagnose.Rejected && rep.Message == "":
		w.WriteHeader(rep.Status)
	case rep.Verdict == diagnose.Rejected:
		apimError(w, rep.Status, rep.Message)
	case rep.Verdict == diagnose.Unknown:
		apimError(w, http.StatusInternalServerError, "fake gateway: the policy cannot be evaluated offline")
	case rep.Status != http.StatusOK:
		w.WriteHeader(rep.Status) // a return-response of the policy
	default:
		return true
	}
	return false
}
