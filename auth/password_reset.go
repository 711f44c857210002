package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// PasswordResetTTL is how long a reset link works: long enough for an administrator to pass it
// on during a working day, short enough that a forgotten link is soon worthless.
const PasswordResetTTL = 24 * time.Hour

// PasswordReset is a one-time link's secret, given once to the administrator who made it; only
// its hash is stored.
type PasswordReset struct {
	Token     string
	User      User
	ExpiresAt time.Time
}

// errResetLink is the one answer for an unknown, used or expired link: which of them it was is
// nobody's business.
var errResetLink = derr.Invalidf("reset_link_invalid", "The password reset link is not valid: it is unknown, used or expired. Ask your administrator for a new one.")

// StartPasswordReset makes a one-time password reset link for a user. Admin only. A new link
// replaces every older unused one of the same user. Errors: Forbidden, NotFound.
func (s *Service) StartPasswordReset(ctx context.Context, c Caller, userID string) (PasswordReset, error) {
	if !c.Has(RoleAdmin) {
		return PasswordReset{}, derr.Forbiddenf("Only administrators reset passwords.")
	}
	if !validUUID(userID) {
		return PasswordReset{}, derr.NotFoundf("user not found")
	}
	token := randomToken(32)
	var out PasswordReset
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		u, err := userByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL`, u.ID); err != nil {
			return fmt.Errorf("drop older reset links: %w", err)
		}
		now := s.now()
		expires := now.Add(PasswordResetTTL)
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (user_id, token_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, u.ID, hashToken(token), c.UserID, now, expires); err != nil {
			return postgres.Error(err, "password reset")
		}
		out = PasswordReset{Token: token, User: u, ExpiresAt: expires}
		return nil
	})
	return out, err
}

// PasswordResetUser is the user a reset link is for, so that the reset page can greet them.
// Errors: Invalid (reset_link_invalid) for an unknown, used or expired link.
func (s *Service) PasswordResetUser(ctx context.Context, token string) (User, error) {
	if token == "" || len(token) > 200 {
		return User{}, errResetLink
	}
	var userID string
	err := sqlx.GetContext(ctx, s.db, &userID, `SELECT user_id FROM password_resets
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`, hashToken(token), s.now())
	if err != nil {
		if derr.Is(postgres.Error(err, "reset"), derr.NotFound) {
			return User{}, errResetLink
		}
		return User{}, fmt.Errorf("reset link: %w", err)
	}
	return userByID(ctx, s.db, userID)
}

// ResetPassword sets a new password through a one-time link: the link is spent in the same
// transaction (a row lock makes two uses at once take turns, so only one succeeds), and the
// user's sessions end. Errors: Invalid (reset_link_invalid, or the password's field error).
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	var v derr.Validator
	v.Check(len([]rune(password)) >= MinPasswordLength && len(password) <= 1024, "password", "password_length", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	if token == "" || len(token) > 200 {
		return errResetLink
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	var userID string
	var families []string
	err = postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var r struct {
			ID     string `db:"id"`
			UserID string `db:"user_id"`
		}
		err := sqlx.GetContext(ctx, tx, &r, `SELECT id, user_id FROM password_resets
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 FOR UPDATE`, hashToken(token), s.now())
		if derr.Is(postgres.Error(err, "reset"), derr.NotFound) {
			return errResetLink
		}
		if err != nil {
			return fmt.Errorf("reset link: %w", err)
		}
		// The lock was taken after the snapshot: a use that committed meanwhile shows here.
		res, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL`, r.ID, s.now())
		if err != nil {
			return fmt.Errorf("spend reset link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errResetLink
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, r.UserID, hash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		userID = r.UserID
		families = families[:0]
		if err := sqlx.SelectContext(ctx, tx, &families, `SELECT DISTINCT family_id FROM refresh_tokens
			WHERE user_id = $1 AND revoked_at IS NULL`, r.UserID); err != nil {
			return fmt.Errorf("sessions to end: %w", err)
		}
		return revokeUserTokens(ctx, tx, r.UserID)
	})
	if err != nil {
		return err
	}
	s.forgetActive(userID)
	// Whoever held the old password loses their open sessions now, not when they expire.
	for _, f := range families {
		s.sessionEnded(ctx, f)
	}
	return nil
}
