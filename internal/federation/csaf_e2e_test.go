package federation_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/certhub/certhub/internal/apptest"
	"github.com/certhub/certhub/internal/platform/pgp"
)

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// vendor is a CSAF trusted provider that is not certhub: a ROLIE feed of
// the OASIS examples, one signed properly, one signed by
// a key it does not list, one whose hash file is missing.
func vendor(t *testing.T) *httptest.Server {
	key, err := openpgp.NewEntity("Example Vendor PSIRT", "", "psirt@vendor.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := openpgp.NewEntity("Someone else", "", "x@other.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	w, _ := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err := key.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	fingerprint := strings.ToUpper(hex.EncodeToString(key.PrimaryKey.Fingerprint))
	files := map[string][]byte{}
	put := func(path string, body []byte, by *openpgp.Entity) {
		files[path] = body
		sum := sha256.Sum256(body)
		files[path+".sha256"] = fmt.Appendf(nil, "%x  %s\n", sum, path[strings.LastIndex(path, "/")+1:])
		var sig bytes.Buffer
		if err := openpgp.ArmoredDetachSign(&sig, by, bytes.NewReader(body), nil); err != nil {
			t.Fatal(err)
		}
		files[path+".asc"] = sig.Bytes()
	}
	for _, f := range []struct {
		path, file string
		by         *openpgp.Entity
	}{{"2022/bsi-2022-0001.json", "bsi-2022-0001.json", key}, {"2019/rhsa-2019_1862.json", "rhsa-2019_1862.json", other}} {
		b, err := os.ReadFile("testdata/csaf/" + f.file)
		if err != nil {
			t.Fatal(err)
		}
		put(f.path, b, f.by)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/.well-known/csaf/")
		switch p {
		case "provider-metadata.json":
			base := srv.URL + "/.well-known/csaf"
			canonical, role, version, cat := csaf.ProviderURL(base+"/provider-metadata.json"), csaf.MetadataRoleTrustedProvider,
				csaf.MetadataVersion20, csaf.CSAFCategoryVendor
			name, ns, yes := "Example Vendor", "https://vendor.example", true
			last := csaf.TimeStamp(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
			keyURL := base + "/key.asc"
			label := csaf.TLPLabel(csaf.TLPLabelWhite)
			feedURL := csaf.JSONURL(base + "/white/feed.json")
			feeds := []csaf.Feed{{Summary: "Public advisories", TLPLabel: &label, URL: &feedURL}}
			pmd := csaf.ProviderMetadata{CanonicalURL: &canonical, Distributions: []csaf.Distribution{{Rolie: &csaf.ROLIE{Feeds: feeds}}},
				LastUpdated: &last, ListOnCSAFAggregators: &yes, MirrorOnCSAFAggregators: &yes, MetadataVersion: &version, Role: &role,
				Publisher: &csaf.Publisher{Category: &cat, Name: &name, Namespace: &ns},
				PGPKeys:   []csaf.PGPKey{{Fingerprint: csaf.Fingerprint(fingerprint), URL: &keyURL}}}
			_, _ = pmd.WriteTo(w)
		case "white/feed.json":
			base := srv.URL + "/.well-known/csaf/"
			feed := csaf.ROLIEFeed{Feed: csaf.FeedData{ID: "vendor-white", Title: "Example Vendor advisories",
				Link:     []csaf.Link{{Rel: "self", HRef: base + "white/feed.json"}},
				Category: []csaf.ROLIECategory{{Scheme: "urn:ietf:params:rolie:category:information-type", Term: "csaf"}},
				Updated:  csaf.TimeStamp(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))}}
			for _, p := range []string{"2022/bsi-2022-0001.json", "2019/rhsa-2019_1862.json", "2020/gone-2020-0001.json"} {
				u := base + p
				feed.Feed.Entry = append(feed.Feed.Entry, &csaf.Entry{ID: p, Titel: p,
					Link:      []csaf.Link{{Rel: "self", HRef: u}, {Rel: "hash", HRef: u + ".sha256"}, {Rel: "signature", HRef: u + ".asc"}},
					Published: feed.Feed.Updated, Updated: feed.Feed.Updated, Content: csaf.Content{Type: "application/json", Src: u},
					Format: csaf.Format{Schema: "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", Version: "2.0"}})
			}
			_ = json.NewEncoder(w).Encode(feed)
		case "key.asc":
			_, _ = w.Write(pub.Bytes())
		default:
			if b, ok := files[p]; ok {
				_, _ = w.Write(b)
				return
			}
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The national instance aggregates the CSAF providers of the sectoral
// instance it is linked with, and a vendor's: aggregator.json is valid
// against the CSAF 2.0 schema and lists both with their mirrors; each
// mirrored document is the provider's, byte for byte, with its hash files
// and the provider's own signature; a document whose signature or hash
// does not check is refused, and the provider says why.
func TestCSAFAggregator(t *testing.T) {
	national, bank := start(t, "National CERT"), start(t, "Banking Sector CERT")
	if code, _ := get(t, national.URL+"/.well-known/csaf-aggregator/aggregator.json"); code != http.StatusNotFound {
		t.Errorf("aggregator.json of an instance that aggregates nothing: %d", code)
	}
	nbLink, _ := link(t, national, "Banking Sector CERT", bank, "National CERT", "AMBER", "AMBER")
	ctx := context.Background()
	if n, err := national.Federation.SyncDue(ctx); err != nil || n != 1 {
		t.Fatalf("providers read: %d %v", n, err)
	}
	r := national.API("GET", "/api/v1/federation/csaf-providers", national.admin, nil)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Items) != 1 {
		t.Fatalf("providers: %s", r.Body)
	}
	bp := list.Items[0]
	if bp["link_id"] != nbLink || bp["url"] != bank.URL+"/.well-known/csaf/provider-metadata.json" || bp["documents"].(float64) < 1 ||
		bp["rejected"].(float64) != 0 || bp["last_error"] != nil {
		t.Fatalf("the bank's provider: %v", bp)
	}

	// The vendor, added by hand and read at once.
	v := vendor(t)
	r = national.API("POST", "/api/v1/federation/csaf-providers", national.admin, map[string]any{"url": v.URL + "/.well-known/csaf/provider-metadata.json"})
	if r.Status != http.StatusCreated {
		t.Fatalf("add the vendor: %d %s", r.Status, r.Body)
	}
	vid := r.JSON(t)["id"].(string)
	r = national.API("POST", "/api/v1/federation/csaf-providers/"+vid+"/sync", national.admin, nil)
	vp := r.JSON(t)
	if vp["documents"] != 1.0 || vp["rejected"] != 2.0 || !strings.Contains(fmt.Sprint(vp["problems"]), "rhsa-2019_1862.json: its signature does not verify") ||
		!strings.Contains(fmt.Sprint(vp["problems"]), "gone-2020-0001.json: its SHA-256 file") {
		t.Fatalf("the vendor's provider: %s", r.Body)
	}
	apptest.Problem(t, national.API("POST", "/api/v1/federation/csaf-providers", national.admin, map[string]any{"url": v.URL + "/.well-known/csaf/provider-metadata.json"}),
		http.StatusConflict)
	apptest.Problem(t, national.API("POST", "/api/v1/federation/csaf-providers", national.admin, map[string]any{"url": "https://vendor.example/feed.json"}),
		http.StatusUnprocessableEntity)

	code, body := get(t, national.URL+"/.well-known/csaf-aggregator/aggregator.json")
	if code != http.StatusOK {
		t.Fatalf("aggregator.json: %d %s", code, body)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if msgs, err := csaf.ValidateAggregator(doc); err != nil || len(msgs) > 0 {
		t.Fatalf("aggregator.json is not valid: %v %v\n%s", msgs, err, body)
	}
	var agg csaf.Aggregator
	if err := json.Unmarshal(body, &agg); err != nil {
		t.Fatal(err)
	}
	if *agg.Aggregator.Category != csaf.AggregatorAggregator || len(agg.CSAFProviders) != 2 {
		t.Fatalf("aggregator.json: %s", body)
	}
	for _, p := range agg.CSAFProviders {
		if len(p.Mirrors) != 1 {
			t.Fatalf("a provider without its mirror: %s", body)
		}
		mirror := string(p.Mirrors[0])
		code, meta := get(t, mirror)
		var m any
		_ = json.Unmarshal(meta, &m)
		if msgs, err := csaf.ValidateProviderMetadata(m); code != http.StatusOK || err != nil || len(msgs) > 0 {
			t.Fatalf("the mirror's metadata %s: %d %v %v\n%s", mirror, code, msgs, err, meta)
		}
		base := strings.TrimSuffix(mirror, "provider-metadata.json")
		_, index := get(t, base+"index.txt")
		paths := strings.Fields(string(index))
		if len(paths) == 0 {
			t.Fatalf("the mirror %s lists nothing", base)
		}
		for _, path := range paths {
			_, d := get(t, base+path)
			_, sum := get(t, base+path+".sha256")
			_, sig := get(t, base+path+".asc")
			h := sha256.Sum256(d)
			if !strings.HasPrefix(string(sum), hex.EncodeToString(h[:])) {
				t.Errorf("%s: the hash file does not match", path)
			}
			if strings.Contains(string(*p.Metadata.URL), bank.URL) {
				if _, orig := get(t, bank.URL+"/.well-known/csaf/white/"+path); !bytes.Equal(orig, d) {
					t.Errorf("%s is not the bank's document byte for byte", path)
				}
				if err := pgp.VerifyDetached(d, string(sig), bank.CenterKey.Public); err != nil {
					t.Errorf("%s: the bank's signature: %v", path, err)
				}
			} else if path != "2022/bsi-2022-0001.json" {
				t.Errorf("the vendor's mirror holds %s", path)
			}
		}
	}

	// Revoked: the bank's provider is read no more; its mirror stays.
	r = national.API("POST", "/api/v1/federation/links/"+nbLink+"/revoke", national.admin, map[string]any{"reason": "Ends."})
	if r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	bp = national.API("GET", "/api/v1/federation/csaf-providers/"+bp["id"].(string), national.admin, nil).JSON(t)
	if bp["enabled"] != false || bp["documents"].(float64) < 1 {
		t.Errorf("the revoked link's provider: %v", bp)
	}
}
