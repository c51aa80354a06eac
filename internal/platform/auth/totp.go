package auth

import (
	"context"

	"github.com/pquerna/otp"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/errs"
)

// BeginTOTP makes a new secret for userID to enrol; nothing is stored until
// EnableTOTP confirms a code from it.
func (s *Service) BeginTOTP(ctx context.Context, userID string) (*otp.Key, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return NewTOTPKey(s.issuer, u.Email)
}

// EnableTOTP turns on the second factor after checking a code from secret.
func (s *Service) EnableTOTP(ctx context.Context, userID, secret, code string) error {
	step, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
			Fields: []errs.FieldError{{Field: "code", Message: "does not match; check the clock of the device and enter the current code"}}}
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			// Replacing the second factor must not be easier than removing it,
			// which needs the password.
			return errs.Conflict("two-factor sign-in is already on; turn it off (with your password) before enrolling another device")
		}
		now := s.now()
		u.totpSecret, u.TOTPEnabled, u.totpLastStep, u.UpdatedAt = s.key.Seal([]byte(secret)), true, step, now
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.totp.enable", ObjectType: "user", ObjectID: u.ID, Summary: "enabled two-factor sign-in for " + u.Email})
	})
}

// DisableTOTP turns the second factor off. When password is non-nil it must
// be the user's password (a user turning off their own).
func (s *Service) DisableTOTP(ctx context.Context, userID string, password *string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		u, err := getUser(ctx, tx, "id = $1", userID)
		if err != nil {
			return err
		}
		if password != nil {
			if ok, _ := CheckPassword(u.passwordHash, *password); !ok {
				return &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
					Fields: []errs.FieldError{{Field: "current_password", Message: "is not your current password"}}}
			}
		}
		if !u.TOTPEnabled {
			return nil
		}
		now := s.now()
		u.totpSecret, u.TOTPEnabled, u.UpdatedAt = "", false, now
		if err := saveUser(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Event{Action: "user.totp.disable", ObjectType: "user", ObjectID: u.ID, Summary: "turned off two-factor sign-in for " + u.Email})
	})
}
