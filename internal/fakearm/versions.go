package fakearm

import (
	"fmt"
	"net/http"
	"strings"
)

// API versions each provider answers to (ARM refuses others before the
// provider sees the request). APIM's list is the one ARM printed in 2024
// plus the stable and preview versions published since.
var (
	apimVersions = []string{"2014-02-14", "2015-09-15", "2016-07-07", "2016-10-10", "2017-03-01", "2018-01-01",
		"2018-06-01-preview", "2019-01-01", "2019-12-01-preview", "2019-12-01", "2020-06-01-preview", "2020-12-01",
		"2021-01-01-preview", "2021-04-01-preview", "2021-08-01", "2021-12-01-preview", "2022-04-01-preview", "2022-08-01",
		"2022-09-01-preview", "2023-03-01-preview", "2023-05-01-preview", "2023-09-01-preview", "2024-05-01",
		"2024-06-01-preview", "2024-10-01-preview", "2025-03-01-preview"}
	graphVersions = []string{"2019-04-01", "2020-04-01-preview", "2021-03-01", "2021-06-01-preview", "2022-10-01", "2024-04-01"}
	msiVersions   = []string{"2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31", "2023-07-31-preview", "2024-11-30"}
)

// checkVersion answers 400 as ARM does for a missing api-version or one the
// provider does not know.
func checkVersion(w http.ResponseWriter, r *http.Request, known []string, typ, location string) bool {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return false
	}
	for _, k := range known {
		if strings.EqualFold(k, v) {
			return true
		}
	}
	writeError(w, http.StatusBadRequest, "NoRegisteredProviderFound", fmt.Sprintf(
		"No registered resource provider found for location '%s' and API version '%s' for type '%s'. The supported api-versions are '%s'. The supported locations are '%s'.",
		location, v, typ, strings.Join(known, ", "), location))
	return false
}

// older reports whether api-version a is older than b: by date, and a
// preview before the stable version of the same date.
func older(a, b string) bool {
	da, db := a[:min(10, len(a))], b[:min(10, len(b))]
	if da != db {
		return da < db
	}
	return strings.Contains(a, "preview") && !strings.Contains(b, "preview")
}

// checkMinVersion answers 400 as APIM does when the service enforces a
// minimum api-version (apiVersionConstraint.minApiVersion) and the request
// uses an older one.
func checkMinVersion(w http.ResponseWriter, r *http.Request, min string) bool {
	v := r.URL.Query().Get("api-version")
	if min == "" || !older(v, min) {
		return true
	}
	var ok []string
	for _, k := range apimVersions {
		if !older(k, min) {
			ok = append(ok, k)
		}
	}
	writeError(w, http.StatusBadRequest, "MissingOrIncorrectVersionParameter", fmt.Sprintf(
		"API version query parameter is not specified or was specified incorrectly.  Supported versions: %s  Example query param format: api-version=SupportedVersion",
		strings.Join(ok, ",")))
	return false
}
