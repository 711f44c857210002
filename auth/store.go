package auth

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

const orgColumns = `id, name, org_number, kind, country, approval_threshold_minor, created_at, updated_at`
const userColumns = `id, org_id, email, name, roles, active, language, password_hash, created_at, updated_at`

func insertOrganization(ctx context.Context, db sqlx.ExtContext, in OrganizationInput) (Organization, error) {
	var o Organization
	err := sqlx.GetContext(ctx, db, &o, `
		INSERT INTO organizations (name, org_number, kind, country, approval_threshold_minor)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+orgColumns,
		in.Name, in.OrgNumber, in.Kind, in.Country, in.ApprovalThresholdMinor)
	if postgres.IsUniqueViolation(err, "organizations_org_number_key") {
		return Organization{}, duplicate(err, "org_number", "org_number_taken", "an organisation with this organisation number already exists in this country")
	}
	return o, postgres.Error(err, "organisation")
}

// duplicate is the Conflict of a unique key people type in (an organisation number, an email):
// the code stays "duplicate" for API clients, and the field error names the field and the
// rule, so that a form shows it beside the field in the reader's language.
func duplicate(err error, field, code, message string) error {
	return &derr.Error{Kind: derr.Conflict, Code: "duplicate", Message: message,
		Fields: []derr.FieldError{{Field: field, Code: code, Message: message}}, Err: err}
}

func organizationByID(ctx context.Context, db sqlx.QueryerContext, id string) (Organization, error) {
	var o Organization
	err := sqlx.GetContext(ctx, db, &o, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id)
	return o, postgres.Error(err, "organisation")
}

func platformOrganization(ctx context.Context, db sqlx.QueryerContext) (Organization, error) {
	var o Organization
	err := sqlx.GetContext(ctx, db, &o, `SELECT `+orgColumns+` FROM organizations WHERE kind = 'platform' ORDER BY created_at LIMIT 1`)
	return o, postgres.Error(err, "organisation")
}

func updateOrganization(ctx context.Context, db sqlx.ExtContext, id string, p OrganizationPatch) (Organization, error) {
	var o Organization
	err := sqlx.GetContext(ctx, db, &o, `
		UPDATE organizations SET name = COALESCE($2, name),
			approval_threshold_minor = COALESCE($3, approval_threshold_minor), updated_at = now()
		WHERE id = $1 RETURNING `+orgColumns, id, p.Name, p.ApprovalThresholdMinor)
	return o, postgres.Error(err, "organisation")
}

func listOrganizations(ctx context.Context, db sqlx.QueryerContext, f OrganizationFilter, only string) ([]Organization, int, error) {
	var total int
	const where = ` WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR id::text = $2)
		AND ($3 = '' OR name ILIKE '%' || $3 || '%' OR org_number LIKE $3 || '%')`
	q := postgres.EscapeLike(f.Q)
	if err := sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM organizations`+where, f.Kind, only, q); err != nil {
		return nil, 0, postgres.Error(err, "organisations")
	}
	out := []Organization{}
	err := sqlx.SelectContext(ctx, db, &out, `SELECT `+orgColumns+` FROM organizations`+where+
		` ORDER BY name, id LIMIT $4 OFFSET $5`, f.Kind, only, q, f.Page.PageSize, f.Page.Offset())
	return out, total, postgres.Error(err, "organisations")
}

func insertUser(ctx context.Context, db sqlx.ExtContext, in UserInput, roles []string, hash string) (User, error) {
	var u User
	err := sqlx.GetContext(ctx, db, &u, `
		INSERT INTO users (org_id, email, name, password_hash, roles, language)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+userColumns,
		in.OrgID, in.Email, in.Name, hash, pq.StringArray(roles), in.Language)
	if postgres.IsUniqueViolation(err, "users_email_key") {
		return User{}, duplicate(err, "email", "email_taken", "a user with this email already exists")
	}
	return u, postgres.Error(err, "user")
}

func userByEmail(ctx context.Context, db sqlx.QueryerContext, email string) (User, error) {
	var u User
	err := sqlx.GetContext(ctx, db, &u, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, email)
	return u, postgres.Error(err, "user")
}

func userByID(ctx context.Context, db sqlx.QueryerContext, id string) (User, error) {
	var u User
	err := sqlx.GetContext(ctx, db, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	return u, postgres.Error(err, "user")
}

// userStatus is what authenticating a request needs to know about a user.
type userStatus struct {
	Active  bool           `db:"active"`
	OrgID   string         `db:"org_id"`
	OrgKind OrgKind        `db:"kind"`
	Roles   pq.StringArray `db:"roles"`
}

func userState(ctx context.Context, db sqlx.QueryerContext, id string) (userStatus, error) {
	var st userStatus
	err := sqlx.GetContext(ctx, db, &st, `SELECT u.active, u.org_id, o.kind, u.roles
		FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = $1`, id)
	return st, postgres.Error(err, "user")
}

func updateUser(ctx context.Context, db sqlx.ExtContext, u User) (User, error) {
	var out User
	err := sqlx.GetContext(ctx, db, &out, `
		UPDATE users SET name = $2, roles = $3, active = $4, password_hash = $5, language = $6, updated_at = now()
		WHERE id = $1 RETURNING `+userColumns, u.ID, u.Name, u.Roles, u.Active, u.PasswordHash, u.Language)
	return out, postgres.Error(err, "user")
}

func listUsers(ctx context.Context, db sqlx.QueryerContext, f UserFilter) ([]User, int, error) {
	var total int
	const where = ` WHERE ($1 = '' OR org_id::text = $1)
		AND ($2 = '' OR name ILIKE '%' || $2 || '%' OR email ILIKE '%' || $2 || '%')`
	q := postgres.EscapeLike(f.Q)
	if err := sqlx.GetContext(ctx, db, &total, `SELECT count(*) FROM users`+where, f.OrgID, q); err != nil {
		return nil, 0, postgres.Error(err, "users")
	}
	out := []User{}
	err := sqlx.SelectContext(ctx, db, &out, `SELECT `+userColumns+` FROM users`+where+
		` ORDER BY name, id LIMIT $3 OFFSET $4`, f.OrgID, q, f.Page.PageSize, f.Page.Offset())
	return out, total, postgres.Error(err, "users")
}

type refreshToken struct {
	ID        string     `db:"id"`
	FamilyID  string     `db:"family_id"`
	UserID    string     `db:"user_id"`
	ExpiresAt time.Time  `db:"expires_at"`
	UsedAt    *time.Time `db:"used_at"`
	RevokedAt *time.Time `db:"revoked_at"`
	// InGrace: the token was spent so recently (PostgreSQL's clock, shared by every process)
	// that presenting it again is taken as a crowd of the same client's requests, not reuse.
	InGrace bool `db:"in_grace"`
}

func insertRefreshToken(ctx context.Context, db sqlx.ExtContext, family, userID string, hash []byte, expires time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`,
		family, userID, hash, expires)
	return postgres.Error(err, "refresh token")
}

// refreshTokenForUpdate locks the token row, so that two concurrent refreshes with one token
// take turns: the second sees the first's used_at. grace is how long after being spent the
// token still counts as InGrace.
func refreshTokenForUpdate(ctx context.Context, db sqlx.QueryerContext, hash []byte, grace time.Duration) (refreshToken, error) {
	var rt refreshToken
	err := sqlx.GetContext(ctx, db, &rt, `SELECT id, family_id, user_id, expires_at, used_at, revoked_at,
			coalesce(used_at > now() - make_interval(secs => $2), false) AS in_grace
		FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`, hash, grace.Seconds())
	return rt, postgres.Error(err, "refresh token")
}

// familyRevoked reports whether the session (refresh-token family) family has ended: logout,
// reuse detection and deactivation revoke every token of the family at once, and a session of
// which no live token exists (never started, or long expired) has ended too.
func familyRevoked(ctx context.Context, db sqlx.QueryerContext, family string) (bool, error) {
	var revoked bool
	err := sqlx.GetContext(ctx, db, &revoked, `SELECT NOT EXISTS (SELECT 1 FROM refresh_tokens
		WHERE family_id = $1 AND revoked_at IS NULL AND expires_at > now())`, family)
	return revoked, postgres.Error(err, "refresh token")
}

func markRefreshTokenUsed(ctx context.Context, db sqlx.ExtContext, id string) error {
	_, err := db.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = now() WHERE id = $1`, id)
	return postgres.Error(err, "refresh token")
}

func revokeFamily(ctx context.Context, db sqlx.ExtContext, family string) error {
	_, err := db.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, family)
	return postgres.Error(err, "refresh token")
}

func revokeUserTokens(ctx context.Context, db sqlx.ExtContext, userID string) error {
	_, err := db.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	return postgres.Error(err, "refresh token")
}

func deleteExpiredRefreshTokens(ctx context.Context, db sqlx.ExtContext, userID string, now time.Time) error {
	_, err := db.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < $2`, userID, now)
	return postgres.Error(err, "refresh token")
}
