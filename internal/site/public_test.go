package site

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/directory"
)

// fill gives every field v holds, however deep, a value that is not zero.
func fill(v reflect.Value, name string) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("value of " + name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), name)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), name)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, name)
		fill(e, name)
		v.SetMapIndex(k, e)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), name+"."+v.Type().Field(i).Name)
			}
		}
	}
}

// The website shows what an organisation publishes about itself and
// nothing else: every other field — contacts, constituency, the key
// itself, packages, its own description and website — is left out, so a
// field added to directory.Org later stays private until added here.
func TestPublicKeepsOnlyWhatAnOrganisationPublishes(t *testing.T) {
	t.Parallel()
	var in directory.Org
	fill(reflect.ValueOf(&in).Elem(), "org")
	out := public(in)

	published := []string{"ID", "Name", "ShortName", "Kind", "ParentID", "Sector", "Country", "PGPFingerprint", "RFC2350", "Listed"}
	iv, ov := reflect.ValueOf(in), reflect.ValueOf(out)
	for i := range iv.NumField() {
		f := iv.Type().Field(i).Name
		if iv.Field(i).IsZero() {
			t.Fatalf("the test did not fill %s", f)
		}
		switch {
		case slices.Contains(published, f) && !reflect.DeepEqual(iv.Field(i).Interface(), ov.Field(i).Interface()):
			t.Errorf("%s is published changed: %v, was %v", f, ov.Field(i), iv.Field(i))
		case !slices.Contains(published, f) && !ov.Field(i).IsZero():
			t.Errorf("%s reaches the website: %v", f, ov.Field(i))
		}
	}
}
