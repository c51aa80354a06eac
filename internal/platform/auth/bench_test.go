package auth

import (
	"context"
	"testing"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkAuthenticateToken is what every API request pays to find its caller.
func BenchmarkAuthenticateToken(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	s, _ := newService(b, d)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, NewUser{Email: "bench@example.org", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	_, raw, err := s.CreateToken(ctx, System("test"), u.ID, NewToken{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.AuthenticateToken(ctx, raw, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashPassword is the deliberate cost of one sign-in.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword(goodPassword); err != nil {
			b.Fatal(err)
		}
	}
}
