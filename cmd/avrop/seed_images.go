package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
	"github.com/avrop/avrop/productimage"
)

// seedPicturesPerSupplier is how many items of each care-supplies supplier get a picture, so
// that `make run` shows pictures in the catalogue, on item pages and in the cart, and items
// without one beside them (as when only some suppliers send pictures).
const seedPicturesPerSupplier = 40

// seedPictures gives the first items (by name) of the care-supplies agreement's suppliers a
// drawn product picture through the same intake as a supplier's upload.
func seedPictures(ctx context.Context, cat *catalog.Service, w *demoWorld, agreementID string) error {
	for _, sc := range w.SupplierCallers[2:4] {
		items, _, err := cat.ListAgreementItems(ctx, sc, agreementID, "", auth.Page{Page: 1, PageSize: seedPicturesPerSupplier})
		if err != nil {
			return fmt.Errorf("seed pictures: %w", err)
		}
		for _, it := range items {
			kind, _, _ := strings.Cut(it.Name, " ")
			if _, err := cat.SetItemImage(ctx, sc, it.ID, productimage.DemoPicture(kind, it.SKU)); err != nil {
				return fmt.Errorf("seed picture of %s: %w", it.SKU, err)
			}
		}
	}
	return nil
}
