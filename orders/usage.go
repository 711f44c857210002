package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/jmoiron/sqlx"
)

// forecastWindowDays is the window whose pace the exhaustion forecast extrapolates.
const forecastWindowDays = 90

// Usage reports an agreement's committed value against its ceiling and its participants'
// ceilings, the 80 %/95 % warnings and the date the ceiling will be reached at the pace of
// the last 90 days' committed orders.
//
// Scope: managers of the agreement's procurement body see every participant; orderers and
// approvers of a participating organisation see the agreement's figures and only their own
// participant row. Suppliers and admins may never see usage (Forbidden): the committed value
// per buyer is the buyers' and the procurement body's business. Errors: Forbidden, NotFound
// (absent or out of scope).
func (s *Service) Usage(ctx context.Context, c auth.Caller, agreementID string) (Usage, error) {
	if !c.HasAny(auth.RoleManager, auth.RoleOrderer, auth.RoleApprover) {
		return Usage{}, derr.Forbiddenf("Your role may not see agreement usage.")
	}
	if !auth.ValidUUID(agreementID) {
		return Usage{}, derr.NotFoundf("agreement not found")
	}
	var a struct {
		ID        string        `db:"id"`
		Currency  string        `db:"currency"`
		Ceiling   sql.NullInt64 `db:"ceiling_minor"`
		Manager   bool          `db:"manager"`
		Buyer     bool          `db:"buyer"`
		Committed int64         `db:"committed_minor"`
		Pace      int64         `db:"recent_minor"`
	}
	isManager := c.Has(auth.RoleManager)
	isBuyer := c.HasAny(auth.RoleOrderer, auth.RoleApprover)
	err := s.read(ctx, func(db sqlx.QueryerContext) error {
		return sqlx.GetContext(ctx, db, &a, `
		SELECT a.id, a.currency, a.ceiling_minor,
		       ($2 AND a.procurement_body_id = $4) AS manager,
		       ($3 AND EXISTS (SELECT 1 FROM agreement_participants p WHERE p.agreement_id = a.id AND p.org_id = $4)) AS buyer,
		       COALESCE((SELECT sum(committed_minor) FROM agreement_usage WHERE agreement_id = a.id), 0)::bigint AS committed_minor,
		       COALESCE((SELECT sum(total_minor) FROM orders o WHERE o.agreement_id = a.id
		           AND o.status IN ('pending_approval', 'approved', 'accepted', 'shipped', 'delivered')
		           AND o.created_at >= now() - make_interval(days => $5)), 0)::bigint AS recent_minor
		FROM agreements a WHERE a.id = $1`, agreementID, isManager, isBuyer, c.OrgID, forecastWindowDays)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !a.Manager && !a.Buyer) {
		return Usage{}, derr.NotFoundf("agreement not found")
	}
	if err != nil {
		return Usage{}, fmt.Errorf("usage: %w", err)
	}
	u := Usage{AgreementID: a.ID, Currency: strings.TrimSpace(a.Currency), CommittedMinor: a.Committed,
		PaceMinorPerDay: a.Pace / forecastWindowDays, Participants: []ParticipantUsage{}, Warnings: []UsageWarning{}}
	if a.Ceiling.Valid {
		ceiling := a.Ceiling.Int64
		u.CeilingMinor = &ceiling
		u.RemainingMinor, u.PercentUsed = remaining(ceiling, a.Committed)
		u.Warnings = appendWarnings(u.Warnings, "agreement", "", *u.PercentUsed)
		if a.Pace > 0 {
			// remaining / (recent / 90 days), rounded up to whole days.
			days := int(math.Ceil(float64(*u.RemainingMinor) * forecastWindowDays / float64(a.Pace)))
			d := s.today().AddDate(0, 0, days).Format(time.DateOnly)
			u.ForecastExhaustionDate = &d
		}
	}
	var parts []ParticipantUsage
	only := ""
	if !a.Manager {
		only = c.OrgID
	}
	err = s.read(ctx, func(db sqlx.QueryerContext) error {
		return sqlx.SelectContext(ctx, db, &parts, `
		SELECT p.org_id, o.name AS org_name, COALESCE(pu.committed_minor, 0) AS committed_minor, p.ceiling_minor
		FROM agreement_participants p
		JOIN organizations o ON o.id = p.org_id
		LEFT JOIN participant_usage pu ON pu.agreement_id = p.agreement_id AND pu.org_id = p.org_id
		WHERE p.agreement_id = $1 AND ($2 = '' OR p.org_id::text = $2)
		ORDER BY o.name, p.org_id`, agreementID, only)
	})
	if err != nil {
		return Usage{}, fmt.Errorf("usage participants: %w", err)
	}
	for _, p := range parts {
		if p.CeilingMinor != nil {
			p.RemainingMinor, p.PercentUsed = remaining(*p.CeilingMinor, p.CommittedMinor)
			u.Warnings = appendWarnings(u.Warnings, "participant", p.OrgID, *p.PercentUsed)
		}
		u.Participants = append(u.Participants, p)
	}
	return u, nil
}

func remaining(ceiling, committed int64) (*int64, *float64) {
	r := max(ceiling-committed, 0)
	pct := math.Round(float64(committed)*1000/float64(ceiling)) / 10
	return &r, &pct
}

// appendWarnings adds the highest warning level (95 or 80) that pct has reached.
func appendWarnings(ws []UsageWarning, scope, orgID string, pct float64) []UsageWarning {
	what := "The agreement's ceiling"
	if scope == "participant" {
		what = "A participant's ceiling"
	}
	for _, level := range []int{95, 80} {
		if pct >= float64(level) {
			return append(ws, UsageWarning{Scope: scope, OrgID: orgID, Level: level, PercentUsed: pct,
				Message: fmt.Sprintf("%s is %.1f %% used (past %d %%).", what, pct, level)})
		}
	}
	return ws
}
