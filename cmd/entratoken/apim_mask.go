package main

import (
	"reflect"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/diagnose"
)

// maskSecrets replaces the value of every secret named value read over ARM
// wherever the report would show it (a check-header's expected value, a
// message), with the value's name: a secret is never printed unless asked
// for, and reading it live was not asking.
func (o *DiagnoseOptions) maskSecrets(rep *diagnose.Report) {
	ev := o.APIM.live
	if ev == nil || rep == nil {
		return
	}
	var pairs []string
	var names []string
	for n := range ev.Service.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if v := ev.Service.Values[n]; v.Secret && v.HasValue && len(v.Value) >= 6 {
			pairs = append(pairs, v.Value, "(the secret named value "+n+")")
		}
	}
	if len(pairs) == 0 {
		return
	}
	maskStrings(reflect.ValueOf(rep), strings.NewReplacer(pairs...))
}

// maskStrings applies r to every settable string reachable from v.
func maskStrings(v reflect.Value, r *strings.Replacer) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			maskStrings(v.Elem(), r)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				maskStrings(v.Field(i), r)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			maskStrings(v.Index(i), r)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if e := v.MapIndex(k); e.Kind() == reflect.String {
				v.SetMapIndex(k, reflect.ValueOf(r.Replace(e.String())).Convert(e.Type()))
			}
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(r.Replace(v.String()))
		}
	}
}
