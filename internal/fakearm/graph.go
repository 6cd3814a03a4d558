package fakearm

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServiceHostQuery is one of the two Azure Resource Graph queries the fake
// answers (whitespace aside; the other is IdentityQuery): every API Management service the caller can read,
// with the properties a client matches a gateway host against
// (gatewayUrl, gatewayRegionalUrl, hostnameConfigurations,
// additionalLocations).
const ServiceHostQuery = "resources | where type =~ 'microsoft.apimanagement/service' | project id, name, resourceGroup, subscriptionId, properties"

// resourceGraph serves POST /providers/Microsoft.ResourceGraph/resources
// (QueryRequest → QueryResponse of resourcegraph.json, 2021-03-01 and
// later): rows only for services the caller may read, as Resource Graph
// filters by the caller's own rights.
func (s *Server) resourceGraph(q *req) {
	var body struct {
		Subscriptions []string `json:"subscriptions"`
		Query         string   `json:"query"`
		Options       struct {
			ResultFormat string `json:"resultFormat"`
			Top          *int   `json:"$top"`
			Skip         *int   `json:"$skip"`
			SkipToken    string `json:"$skipToken"`
		} `json:"options"`
	}
	if err := json.Unmarshal(q.body, &body); err != nil {
		writeError(q.w, http.StatusBadRequest, "BadRequest", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	rows, ok := s.graphRows(q.p, strings.Join(strings.Fields(body.Query), " "), body.Subscriptions)
	if !ok {
		writeError(q.w, http.StatusBadRequest, "BadRequest", fmt.Sprintf(
			"Please provide below info when asking for support: timestamp = %s, correlationId = %s.", created, newID()),
			errorDetails{Code: "InvalidQuery", Message: "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."})
		return
	}
	total := len(rows)
	// Pages: $top (default and at most 1000) rows, then a $skipToken for
	// the rest; the fake's token is the offset, base64'd, and its default
	// page is the server's PageSize so that tests page as large tenants do.
	offset := 0
	if t := body.Options.SkipToken; t != "" {
		b, err := base64.StdEncoding.DecodeString(t)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			writeError(q.w, http.StatusBadRequest, "BadRequest", "The $skipToken is not valid.")
			return
		}
		offset = n
	}
	if o := body.Options.Skip; o != nil && *o > 0 {
		offset = *o
	}
	rows = rows[min(offset, len(rows)):]
	page := min(s.opts.PageSize, 1000)
	if o := body.Options.Top; o != nil && *o >= 0 {
		page = min(*o, 1000) // $top overrides the page size
	}
	var next string
	if page < len(rows) {
		rows = rows[:page]
		next = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(offset + page)))
	}
	var data any
	switch body.Options.ResultFormat {
	case "", "objectArray":
		if rows == nil {
			rows = []obj{}
		}
		data = rows
	case "table":
		cols := []string{"id", "name", "resourceGroup", "subscriptionId", "properties"}
		table := obj{"columns": []obj{}, "rows": [][]any{}}
		for _, c := range cols {
			typ := "string"
			if c == "properties" {
				typ = "object"
			}
			table["columns"] = append(table["columns"].([]obj), obj{"name": c, "type": typ})
		}
		for _, r := range rows {
			var row []any
			for _, c := range cols {
				row = append(row, r[c])
			}
			table["rows"] = append(table["rows"].([][]any), row)
		}
		data = table
	default:
		writeError(q.w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The resultFormat '%s' is not supported: use objectArray or table.", body.Options.ResultFormat))
		return
	}
	resp := obj{"totalRecords": total, "count": len(rows), "data": data, "facets": []obj{}, "resultTruncated": "false"}
	if next != "" {
		resp["$skipToken"] = next
	}
	writeJSON(q.w, http.StatusOK, resp)
}

// serviceRows answers ServiceHostQuery.
func (s *Server) serviceRows(p *principal, subs []string) []obj {
	var rows []obj
	for _, svc := range s.readable(p, "", "") {
		if len(subs) > 0 && !containsFold(subs, svc.SubscriptionID) {
			continue
		}
		rows = append(rows, obj{"id": ServiceID(svc.SubscriptionID, svc.ResourceGroup, svc.Name), "name": svc.Name,
			"resourceGroup": strings.ToLower(svc.ResourceGroup), "subscriptionId": svc.SubscriptionID, "properties": serviceProperties(svc)})
	}
	return rows
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if eq(x, v) {
			return true
		}
	}
	return false
}
