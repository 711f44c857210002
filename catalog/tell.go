package catalog

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/notify"
)

// tellManagers queues a mail to the managers of the agreement's procurement body about
// something of the supplier's that awaits their decision (SPEC §8 "People are told"), inside
// the transaction that creates it. what, when given, names the item.
func tellManagers(ctx context.Context, tx *sqlx.Tx, kind notify.Kind, agreementID, supplierID, subjectID, what string) error {
	var body, ref, supplier string
	if err := tx.QueryRowxContext(ctx, `SELECT a.procurement_body_id, a.reference, o.name
		FROM agreements a, organizations o WHERE a.id = $1 AND o.id = $2`, agreementID, supplierID).Scan(&body, &ref, &supplier); err != nil {
		return fmt.Errorf("tell managers: %w", err)
	}
	reference := supplier + ", " + ref
	if what != "" {
		reference += ": " + what
	}
	return notify.ToRole(ctx, tx, body, string(auth.RoleManager), "", notify.Event{Kind: kind, SubjectID: subjectID, Reference: reference})
}
