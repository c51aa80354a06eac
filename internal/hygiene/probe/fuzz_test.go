package probe

import "testing"

// FuzzDKIMKey: any DKIM record read off the DNS is judged without a panic.
func FuzzDKIMKey(f *testing.F) {
	f.Add("v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALxL6J154zP/6IAu/8OkMtHgXo7Z9gPY+3TLAj0D3VNK/Gq2h9MjnLY1N9xazhfErkbYWv+1gGMu2wN1OLz9hXsCAwEAAQ==")
	f.Fuzz(func(t *testing.T, rec string) {
		_ = dkimKeyProblem(rec)
	})
}

// FuzzParseBanner: any banner a service sends is read without a panic,
// and a product read always has a version.
func FuzzParseBanner(f *testing.F) {
	f.Add("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3")
	f.Fuzz(func(t *testing.T, b string) {
		if s := ParseBanner(b); (s.Product == "") != (s.Version == "") {
			t.Fatalf("%q: %+v", b, s)
		}
	})
}
