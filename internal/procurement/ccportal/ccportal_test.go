package ccportal_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/procurement/ccportal"
)

// TestParse: the sample's four rows are three products (the two rows of
// Polaris's maintenances merged, oldest first), with entities unescaped,
// US dates read and the archival date kept; the IDs are stable.
func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/certified-products-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	list, err := ccportal.Parse(bytes.NewReader(data))
	if err != nil || len(list) != 3 {
		t.Fatalf("%d products (%v)", len(list), err)
	}
	gk, pol, db := list[0], list[1], list[2]
	if gk.Name != "Gatekeeper NGFW 7.2 & VPN" || gk.Scheme != "DE" || gk.Certified.Format("2006-01-02") != "2024-03-15" ||
		gk.Archived == nil || gk.Archived.Format("2006-01-02") != "2029-03-15" || gk.AssuranceLevel != "EAL4+ ALC_FLR.2" ||
		!strings.HasSuffix(gk.ReportURL, "gatekeeper-cr.pdf") {
		t.Errorf("gatekeeper: %+v", gk)
	}
	if pol.Name != "Polaris Router OS™ 5.1" || len(pol.Maintenances) != 2 || pol.Maintenances[1].Title != "Polaris Router OS 5.1.4" ||
		pol.Maintenances[0].Date.Format("2006-01-02") != "2023-01-20" {
		t.Errorf("polaris: %+v", pol)
	}
	if db.Category != "Databases" || !strings.HasPrefix(db.ID, "CC-US-2020-") {
		t.Errorf("db: %+v", db)
	}
	again, _ := ccportal.Parse(bytes.NewReader(data))
	if again[1].ID != pol.ID || pol.ID == gk.ID {
		t.Errorf("ids: %s %s %s", pol.ID, again[1].ID, gk.ID)
	}
}

// TestParseRefuses: files that are not the list, and rows that cannot be
// read, are refused naming the line.
func TestParseRefuses(t *testing.T) {
	head := `"Category","Name","Manufacturer","Scheme","Certification Date"` + "\n"
	for name, in := range map[string]string{
		"empty":         "",
		"another csv":   "a,b,c\n1,2,3\n",
		"european date": head + `"Databases","X","Y","DE","31/12/2024"` + "\n",
		"no name":       head + `"Databases","","Y","DE","12/31/2024"` + "\n",
		"bad quotes":    head + "\"Databases\",\"X\"\"Y\",Z,DE,12/31/2024\n\"unterminated",
	} {
		_, err := ccportal.Parse(strings.NewReader(in))
		if e := errs.As(err); e == nil || e.Kind != errs.KindInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	row := `"Databases","` + strings.Repeat("X", 1000) + `","Y","DE","12/31/2024"` + "\n"
	big := head + strings.Repeat(row, ccportal.MaxBytes/len(row)+10)
	if _, err := ccportal.Parse(strings.NewReader(big)); !errors.Is(err, ccportal.ErrTooLarge) {
		t.Errorf("a file over the limit: %v", err)
	}
	exact := head + strings.Repeat("\n", ccportal.MaxBytes-len(head))
	if _, err := ccportal.Parse(strings.NewReader(exact)); err != nil {
		t.Errorf("a file at the limit: %v", err)
	}
	if list, err := ccportal.Parse(strings.NewReader(head + `"Databases","X","Y","de","1/2/2024"` + "\n\n")); err != nil || len(list) != 1 || list[0].Scheme != "DE" {
		t.Errorf("short dates, a blank line: %+v %v", list, err)
	}
}

// FuzzParse: whatever the file, Parse answers products or an invalid-input
// error, and every product has a name, a manufacturer, a scheme and an ID.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/certified-products-sample.csv"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`"Category","Name","Manufacturer","Scheme","Certification Date"` + "\n" + `"A","B&amp;","C","DE","02/29/2024"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ccportal.Parse(bytes.NewReader(data))
		if err != nil {
			if e := errs.As(err); e == nil || e.Kind != errs.KindInvalid {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		for _, c := range list {
			if c.Name == "" || c.Manufacturer == "" || c.Scheme == "" || c.ID == "" || c.Certified.IsZero() {
				t.Fatalf("an incomplete product: %+v", c)
			}
		}
	})
}
