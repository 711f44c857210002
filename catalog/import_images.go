package catalog

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/peppol"
	"github.com/avrop/avrop/productimage"
)

// ImageColumns are the optional picture column of a CSV price list: image_url, an http or
// https URL of a PNG, JPEG or WebP picture of the row's item.
var ImageColumns = []string{"image_url"}

// Limits of the pictures of one price-list import. A list naming more new pictures than
// maxImportImages, or whose pictures take longer than importImageBudget, stores what it got and
// reports the rest as not fetched: sending the list again fetches them, since a URL an item's
// picture already came from is not fetched again.
const (
	maxImportImages    = 500
	importImageBudget  = 30 * time.Second
	importImageWorkers = 4
)

// ImageReport is what a price list's pictures did: stored (new or changed), unchanged (the
// item's picture already came from that URL), and each failure by line with its field
// (image_url, or image for a PEPPOL attachment) and code. A failed picture never fails the
// import: the item is imported without it.
type ImageReport struct {
	Stored    int               `json:"stored"`
	Unchanged int               `json:"unchanged"`
	Failed    []derr.FieldError `json:"failed"`
}

// imageRef is where a price-list row's picture comes from: a URL to fetch, or the bytes of an
// embedded PEPPOL attachment (badEmbed: its base64 did not decode).
type imageRef struct {
	url      string
	embedded []byte
	badEmbed bool
}

func (r imageRef) none() bool { return r.url == "" && r.embedded == nil && !r.badEmbed }

// peppolPicture picks a catalogue line's picture among its attachments: the first embedded
// object whose mimeCode is an image type, else the first external URI marked as an image or
// ending in .png, .jpg, .jpeg or .webp. Other attachments (a data sheet) are not pictures.
func peppolPicture(atts []peppol.Attachment) imageRef {
	for _, a := range atts {
		if a.Embedded != "" && strings.HasPrefix(strings.ToLower(a.MimeCode), "image/") {
			data, err := base64.StdEncoding.DecodeString(a.Embedded)
			return imageRef{embedded: data, badEmbed: err != nil}
		}
	}
	for _, a := range atts {
		if a.URI == "" {
			continue
		}
		ext := ""
		if u, err := url.Parse(a.URI); err == nil {
			ext = strings.ToLower(path.Ext(u.Path))
		}
		if strings.HasPrefix(strings.ToLower(a.MimeCode), "image/") || ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp" {
			return imageRef{url: a.URI}
		}
	}
	return imageRef{}
}

// pictureFailure is the report line of a picture that could not be taken.
func pictureFailure(line int, field string, err error) derr.FieldError {
	var e *derr.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return derr.FieldError{Line: line, Field: field, Code: e.Fields[0].Code, Message: e.Fields[0].Message}
	}
	return derr.FieldError{Line: line, Field: field, Code: "image_fetch", Message: "could not be fetched"}
}

// importedPictures are a valid price list's pictures, ready for the import's transaction.
type importedPictures struct {
	bySKU  map[string]productimage.Image
	source map[string]string
	report ImageReport
}

// gatherPictures fetches and normalises the pictures of rows before the import's transaction
// (no row lock is held while a supplier's server answers), at most importImageWorkers at a
// time and within importImageBudget; each distinct URL is fetched once.
func (s *Service) gatherPictures(ctx context.Context, agreementID, supplierID string, rows []priceListRow) (importedPictures, error) {
	out := importedPictures{bySKU: map[string]productimage.Image{}, source: map[string]string{}, report: ImageReport{Failed: []derr.FieldError{}}}
	var skus []string
	for _, r := range rows {
		if !r.image.none() {
			skus = append(skus, r.SKU)
		}
	}
	if len(skus) == 0 {
		return out, nil
	}
	var have []struct {
		SKU    string `db:"sku"`
		Source string `db:"image_source"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &have, `SELECT sku, image_source FROM items
		WHERE agreement_id = $1 AND supplier_id = $2 AND sku = ANY($3::text[]) AND image_hash IS NOT NULL`,
		agreementID, supplierID, pq.Array(skus)); err != nil {
		return out, fmt.Errorf("import pictures: %w", err)
	}
	current := make(map[string]string, len(have))
	for _, h := range have {
		current[h.SKU] = h.Source
	}

	type job struct {
		row priceListRow
		url string
	}
	var fetches []job
	urls := map[string]bool{}
	taken := 0
	for _, r := range rows {
		ref := r.image
		switch {
		case ref.none():
			continue
		case ref.url != "" && current[r.SKU] == ref.url:
			out.report.Unchanged++
			continue
		case taken >= maxImportImages:
			field := "image_url"
			if ref.url == "" {
				field = "image"
			}
			out.report.Failed = append(out.report.Failed, derr.FieldError{Line: r.Line, Field: field, Code: "image_later",
				Message: fmt.Sprintf("was not taken: one import takes at most %d new pictures; send the list again for the rest", maxImportImages)})
			continue
		}
		taken++
		if ref.url == "" {
			var im productimage.Image
			var err error
			if ref.badEmbed {
				err = derr.Fields([]derr.FieldError{{Field: "image", Code: "image_invalid", Message: "is not valid base64"}})
			} else {
				im, err = productimage.Normalise(ref.embedded)
			}
			if err != nil {
				out.report.Failed = append(out.report.Failed, pictureFailure(r.Line, "image", err))
				continue
			}
			out.bySKU[r.SKU], out.source[r.SKU] = im, ImageSourcePEPPOL
			continue
		}
		fetches = append(fetches, job{row: r, url: ref.url})
		urls[ref.url] = true
	}

	type result struct {
		im  productimage.Image
		err error
	}
	results := make(map[string]result, len(urls))
	if len(urls) > 0 {
		fctx, cancel := context.WithTimeout(ctx, importImageBudget)
		defer cancel()
		var mu sync.Mutex
		var wg sync.WaitGroup
		queue := make(chan string)
		for range min(importImageWorkers, len(urls)) {
			wg.Go(func() {
				for u := range queue {
					im, err := s.fetcher.Fetch(fctx, u)
					mu.Lock()
					results[u] = result{im, err}
					mu.Unlock()
				}
			})
		}
	feed:
		for u := range urls {
			select {
			case queue <- u:
			case <-fctx.Done():
				break feed
			}
		}
		close(queue)
		wg.Wait()
	}
	for _, j := range fetches {
		res, ok := results[j.url]
		switch {
		case !ok:
			out.report.Failed = append(out.report.Failed, derr.FieldError{Line: j.row.Line, Field: "image_url", Code: "image_later",
				Message: fmt.Sprintf("was not fetched: the import's %d seconds for pictures ran out; send the list again for the rest", int(importImageBudget.Seconds()))})
		case res.err != nil:
			out.report.Failed = append(out.report.Failed, pictureFailure(j.row.Line, "image_url", res.err))
		default:
			out.bySKU[j.row.SKU], out.source[j.row.SKU] = res.im, j.url
		}
	}
	return out, nil
}

// applyPictures stores the gathered pictures and gives them to the supplier's items by sku,
// inside the import's transaction; it returns the pictures the items showed before, for
// dropUnusedImages.
func applyPictures(ctx context.Context, tx *sqlx.Tx, agreementID, supplierID string, p *importedPictures) ([]string, error) {
	if len(p.bySKU) == 0 {
		return nil, nil
	}
	ims := make([]productimage.Image, 0, len(p.bySKU))
	skus, hashes, sources := make([]string, 0, len(p.bySKU)), make([]string, 0, len(p.bySKU)), make([]string, 0, len(p.bySKU))
	for sku, im := range p.bySKU {
		ims = append(ims, im)
		skus, hashes, sources = append(skus, sku), append(hashes, im.Hash), append(sources, p.source[sku])
	}
	if err := insertImages(ctx, tx, ims); err != nil {
		return nil, err
	}
	var old []string
	if err := tx.SelectContext(ctx, &old, `SELECT image_hash FROM items WHERE agreement_id = $1 AND supplier_id = $2
		AND sku = ANY($3::text[]) AND image_hash IS NOT NULL`, agreementID, supplierID, pq.Array(skus)); err != nil {
		return nil, fmt.Errorf("import pictures: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE items SET image_hash = u.hash, image_source = u.source, updated_at = now()
		FROM unnest($3::text[], $4::text[], $5::text[]) AS u(sku, hash, source)
		WHERE items.agreement_id = $1 AND items.supplier_id = $2 AND items.sku = u.sku`,
		agreementID, supplierID, pq.Array(skus), pq.Array(hashes), pq.Array(sources))
	if err != nil {
		return nil, fmt.Errorf("import pictures: %w", err)
	}
	n, _ := res.RowsAffected()
	p.report.Stored = int(n)
	return old, nil
}
