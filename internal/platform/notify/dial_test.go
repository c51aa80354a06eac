package notify

import "testing"

// The dial-time check sees the address a name resolved to.
func TestCheckDialAddress(t *testing.T) {
	for addr, ok := range map[string]bool{
		"93.184.216.34:443": true, "[2606:2800:220:1::1]:443": true,
		"127.0.0.1:80": false, "10.0.0.1:443": false, "192.168.1.1:443": false, "169.254.169.254:80": false,
		"[::1]:443": false, "[fe80::1]:443": false, "0.0.0.0:80": false, "100.100.1.1:80": false, "[::ffff:127.0.0.1]:80": false,
	} {
		if err := checkDialAddress(addr, false); (err == nil) != ok {
			t.Errorf("checkDialAddress(%s) = %v, want allowed=%v", addr, err, ok)
		}
		if err := checkDialAddress(addr, true); err != nil {
			t.Errorf("with private addresses allowed, %s refused: %v", addr, err)
		}
	}
}
