package apptest

import (
	"encoding/json"
	"net/http"
)

// IntelObjects exports an intel collection (its id or alias) as a STIX
// bundle with token and answers its objects by "id@version" (modified,
// else created). The tests of intel and the access matrix both read
// collections so; a failed export fails the test.
func (s *Server) IntelObjects(token, collection string) map[string]map[string]any {
	s.t.Helper()
	r := s.API("GET", "/api/v1/intel/collections/"+collection+"/export?format=stix", token, nil)
	if r.Status != http.StatusOK {
		s.t.Fatalf("export %s: %d %s", collection, r.Status, r.Body)
	}
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, o := range b.Objects {
		v, _ := o["modified"].(string)
		if v == "" {
			v, _ = o["created"].(string)
		}
		out[o["id"].(string)+"@"+v] = o
	}
	return out
}
