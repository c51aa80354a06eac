package seal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealRoundTripAndTamper(t *testing.T) {
	k, created, err := LoadOrCreate("", t.TempDir())
	if err != nil || !created {
		t.Fatalf("LoadOrCreate: %v created=%v", err, created)
	}
	s := k.Seal([]byte("JBSWY3DPEHPK3PXP"))
	if strings.Contains(s, "JBSWY3") {
		t.Fatal("sealed value contains the plaintext")
	}
	pt, err := k.Open(s)
	if err != nil || string(pt) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if k.Seal([]byte("x")) == k.Seal([]byte("x")) {
		t.Error("two seals of the same value are equal: nonce reuse")
	}
	tampered := s[:len(s)-2] + "AA"
	if _, err := k.Open(tampered); err == nil {
		t.Error("tampered value opened")
	}
	other, _ := Parse(strings.Repeat("ab", 32))
	if _, err := other.Open(s); err == nil {
		t.Error("value opened with another key")
	}
}

func TestLoadOrCreateKeepsTheKeyAndHonoursEnv(t *testing.T) {
	dir := t.TempDir()
	k1, _, err := LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	k2, created, err := LoadOrCreate("", dir)
	if err != nil || created {
		t.Fatalf("second load: %v created=%v", err, created)
	}
	if _, err := k2.Open(k1.Seal([]byte("v"))); err != nil {
		t.Fatal("key changed between loads")
	}
	st, _ := os.Stat(filepath.Join(dir, "secret.key"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	if _, _, err := LoadOrCreate("too-short", dir); err == nil {
		t.Error("a short env key was accepted")
	}
	envKey := strings.Repeat("0f", 32)
	k3, _, err := LoadOrCreate(envKey, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k3.Open(k1.Seal([]byte("v"))); err == nil {
		t.Error("env key ignored in favour of the file")
	}
}
