package catalog

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/postgres"
	"github.com/avrop/avrop/productimage"
)

// Where an item's picture came from (items.image_source); a fetched picture's source is its URL.
const (
	ImageSourceUpload = "upload"
	ImageSourcePEPPOL = "peppol attachment"
)

// ImageVariant is one served size of an item's picture.
type ImageVariant struct {
	Hash        string
	Size        string
	ContentType string
	Data        []byte
}

// SetImageFetcher replaces the fetcher of price lists' image URLs (the default refuses every
// non-public address and gives each fetch productimage.DefaultFetchTimeout).
func (s *Service) SetImageFetcher(f *productimage.Fetcher) { s.fetcher = f }

// supplierItemForImage locks an item of the calling supplier for a change of its picture and
// returns its current picture hash. Errors: Forbidden (not a supplier), NotFound (absent or
// another supplier's).
func supplierItemForImage(ctx context.Context, tx *sqlx.Tx, c auth.Caller, id string) (*string, error) {
	if !c.Has(auth.RoleSupplier) {
		return nil, derr.Forbiddenf("Only suppliers maintain catalogue items.")
	}
	if !auth.ValidUUID(id) || !auth.ValidUUID(c.OrgID) {
		return nil, derr.NotFoundf("item not found")
	}
	var row struct {
		SupplierID string  `db:"supplier_id"`
		ImageHash  *string `db:"image_hash"`
	}
	if err := tx.GetContext(ctx, &row, `SELECT supplier_id, image_hash FROM items WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, postgres.Error(err, "item")
	}
	if row.SupplierID != c.OrgID {
		return nil, derr.NotFoundf("item not found")
	}
	return row.ImageHash, nil
}

// SetItemImage gives an item of the calling supplier a picture: data is a PNG, JPEG or WebP
// file, decoded and encoded again with its thumbnails (productimage.Normalise). The picture
// is a description like the name, so it changes at once even where catalogue approval holds
// contract terms back; a proposed item's picture is seen by no buyer until the item is accepted.
// Errors: Forbidden (not a supplier), NotFound (absent or another supplier's item), Invalid
// (image_type, image_invalid, image_dimensions), TooLarge (image_too_large).
func (s *Service) SetItemImage(ctx context.Context, c auth.Caller, itemID string, data []byte) (Item, error) {
	// Scope first, so that another supplier's item answers 404 whatever the file holds.
	if err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := supplierItemForImage(ctx, tx, c, itemID)
		return err
	}); err != nil {
		return Item{}, err
	}
	im, err := productimage.Normalise(data)
	if err != nil {
		return Item{}, err
	}
	return s.writeItemImage(ctx, c, itemID, &im, ImageSourceUpload)
}

// RemoveItemImage takes the picture off an item of the calling supplier. Errors as SetItemImage.
func (s *Service) RemoveItemImage(ctx context.Context, c auth.Caller, itemID string) (Item, error) {
	return s.writeItemImage(ctx, c, itemID, nil, "")
}

func (s *Service) writeItemImage(ctx context.Context, c auth.Caller, itemID string, im *productimage.Image, source string) (Item, error) {
	var old *string
	err := postgres.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if old, err = supplierItemForImage(ctx, tx, c, itemID); err != nil {
			return err
		}
		var hash *string
		if im != nil {
			if err := insertImages(ctx, tx, []productimage.Image{*im}); err != nil {
				return err
			}
			hash = &im.Hash
		}
		_, err = tx.ExecContext(ctx, `UPDATE items SET image_hash = $2, image_source = $3, updated_at = now() WHERE id = $1`,
			itemID, hash, source)
		return postgres.Error(err, "item")
	})
	if err != nil {
		return Item{}, err
	}
	s.cache.bump(ctx)
	if old != nil && (im == nil || *old != im.Hash) {
		s.dropUnusedImages(ctx, []string{*old})
	}
	return itemByID(ctx, s.db, itemID, s.today())
}

// insertImages stores pictures not stored yet (a picture is named by its content).
func insertImages(ctx context.Context, tx *sqlx.Tx, ims []productimage.Image) error {
	for _, im := range ims {
		if _, err := tx.ExecContext(ctx, `INSERT INTO product_images (hash, content_type, width, height, full_image, medium, small)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING`,
			im.Hash, im.ContentType, im.Width, im.Height, im.Full, im.Medium, im.Small); err != nil {
			return fmt.Errorf("store picture: %w", err)
		}
	}
	return nil
}

// dropUnusedImages deletes pictures no item shows any more. It runs after the writing
// transaction and is best effort: a picture that another item took up meanwhile is kept by
// the foreign key (the delete then fails and is ignored), and one left over costs only space.
func (s *Service) dropUnusedImages(ctx context.Context, hashes []string) {
	for _, h := range hashes {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM product_images p WHERE p.hash = $1
			AND NOT EXISTS (SELECT 1 FROM items i WHERE i.image_hash = p.hash)`, h)
	}
}

// ItemImage returns one size ("96", "480" or "full") of the picture hash of an item in the
// caller's scope. A hash that is not the item's current picture is NotFound: URLs name the
// content, so a replaced picture's old URL stops answering rather than showing new bytes.
// Errors: NotFound (item out of scope, not accepted for a buyer, another hash, unknown size).
func (s *Service) ItemImage(ctx context.Context, c auth.Caller, itemID, hash, size string) (ImageVariant, error) {
	// One answer for every miss, so that a picture's URL tells nothing about the item.
	notFound := derr.NotFoundf("picture not found")
	if !slices.Contains(productimage.Variants, size) {
		return ImageVariant{}, notFound
	}
	it, err := s.GetItem(ctx, c, itemID)
	if derr.Is(err, derr.NotFound) {
		return ImageVariant{}, notFound
	}
	if err != nil {
		return ImageVariant{}, err
	}
	if it.ImageHash == nil || *it.ImageHash != hash {
		return ImageVariant{}, notFound
	}
	col := map[string]string{"96": "small", "480": "medium", "full": "full_image"}[size]
	v := ImageVariant{Hash: hash, Size: size}
	err = s.db.QueryRowxContext(ctx, `SELECT content_type, `+col+` FROM product_images WHERE hash = $1`, hash).Scan(&v.ContentType, &v.Data)
	return v, postgres.Error(err, "picture")
}
