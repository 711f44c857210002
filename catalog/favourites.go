package catalog

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
)

// Favourites are the items a buyer marked to order again quickly (SPEC §5). They belong to
// the user, not the organisation. The mark is all that is stored: each time they are shown,
// every item is read through GetItem in the caller's scope, so an item that was proposed but
// not yet accepted can never be marked, and one that has since ended (deactivated, its
// supplier or agreement ended, the organisation no longer a participant) is not shown as
// orderable — only counted, so that its owner can clear it.

// FavouritePage is a page of a user's favourites: the items still in their catalogue, and
// how many of the page's marks point at items that no longer are.
type FavouritePage struct {
	Items    []Item `json:"items"`
	Ended    int    `json:"ended"`
	Total    int    `json:"total"`
	Page     int    `json:"page"`
	PageSize int    `json:"page_size"`
}

func favouriteCaller(c auth.Caller) error {
	if !c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		return derr.Forbiddenf("Only buyers keep favourites.")
	}
	return nil
}

// SetFavourite marks (on) or unmarks an item as the caller's favourite; doing it twice is the
// same as once. Marking needs the item in the caller's catalogue now; unmarking works for any
// item the caller has marked (an unmarked item outside their catalogue is NotFound). Errors: Forbidden (not a buyer), NotFound.
func (s *Service) SetFavourite(ctx context.Context, c auth.Caller, itemID string, on bool) error {
	if err := favouriteCaller(c); err != nil {
		return err
	}
	if !auth.ValidUUID(itemID) {
		return derr.NotFoundf("item not found")
	}
	if !on {
		res, err := s.db.ExecContext(ctx, `DELETE FROM favourite_items WHERE user_id = $1 AND item_id = $2`, c.UserID, itemID)
		if err != nil {
			return postgres.Error(err, "favourite")
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		// Nothing was marked: answer as for marking, so that an item outside the caller's
		// catalogue stays unknown (404) rather than "unmarked".
		_, err = s.GetItem(ctx, c, itemID)
		return err
	}
	if _, err := s.GetItem(ctx, c, itemID); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO favourite_items (user_id, item_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.UserID, itemID)
	return postgres.Error(err, "favourite")
}

// FavouriteIDs reports which of ids the caller has marked (for stars in a list).
func (s *Service) FavouriteIDs(ctx context.Context, c auth.Caller, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 || !c.HasAny(auth.RoleOrderer, auth.RoleApprover) {
		return out, nil
	}
	var marked []string
	if err := sqlx.SelectContext(ctx, s.db, &marked, `SELECT item_id FROM favourite_items WHERE user_id = $1 AND item_id = ANY($2)`,
		c.UserID, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("favourites: %w", err)
	}
	for _, id := range marked {
		out[id] = true
	}
	return out, nil
}

// Favourites lists a page of the caller's favourites, the latest marked first, each with its
// current price from the catalogue. Errors: Forbidden (not a buyer).
func (s *Service) Favourites(ctx context.Context, c auth.Caller, page auth.Page) (FavouritePage, error) {
	if err := favouriteCaller(c); err != nil {
		return FavouritePage{}, err
	}
	page = page.Normalize()
	out := FavouritePage{Items: []Item{}, Page: page.Page, PageSize: page.PageSize}
	if err := sqlx.GetContext(ctx, s.db, &out.Total, `SELECT count(*) FROM favourite_items WHERE user_id = $1`, c.UserID); err != nil {
		return FavouritePage{}, fmt.Errorf("favourites: %w", err)
	}
	var ids []string
	if err := sqlx.SelectContext(ctx, s.db, &ids, `SELECT item_id FROM favourite_items WHERE user_id = $1
		ORDER BY created_at DESC, item_id LIMIT $2 OFFSET $3`, c.UserID, page.PageSize, page.Offset()); err != nil {
		return FavouritePage{}, fmt.Errorf("favourites: %w", err)
	}
	for _, id := range ids {
		it, err := s.GetItem(ctx, c, id)
		switch {
		case derr.Is(err, derr.NotFound):
			out.Ended++
		case err != nil:
			return FavouritePage{}, err
		case !it.Active || it.PriceMinor == nil:
			out.Ended++
		default:
			out.Items = append(out.Items, it)
		}
	}
	return out, nil
}

// ClearEndedFavourites removes the caller's marks on items that are no longer in their
// catalogue, and reports how many went.
func (s *Service) ClearEndedFavourites(ctx context.Context, c auth.Caller) (int, error) {
	if err := favouriteCaller(c); err != nil {
		return 0, err
	}
	var ids []string
	if err := sqlx.SelectContext(ctx, s.db, &ids, `SELECT item_id FROM favourite_items WHERE user_id = $1`, c.UserID); err != nil {
		return 0, fmt.Errorf("favourites: %w", err)
	}
	var ended []string
	for _, id := range ids {
		it, err := s.GetItem(ctx, c, id)
		switch {
		case derr.Is(err, derr.NotFound), err == nil && (!it.Active || it.PriceMinor == nil):
			ended = append(ended, id)
		case err != nil:
			return 0, err
		}
	}
	if len(ended) == 0 {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM favourite_items WHERE user_id = $1 AND item_id = ANY($2)`, c.UserID, pq.Array(ended))
	if err != nil {
		return 0, fmt.Errorf("favourites: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
