package main

import (
	"context"
	"fmt"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/catalog"
)

// acceptCatalogue accepts every pending catalogue submission as the procurement body's
// manager: the demo's price lists go through catalogue approval like any supplier's, and the
// shop is full on first start.
func acceptCatalogue(ctx context.Context, cat *catalog.Service, manager auth.Caller) error {
	for {
		subs, _, err := cat.ListSubmissions(ctx, manager, catalog.SubmissionFilter{Status: catalog.SubmissionPending,
			Page: auth.Page{Page: 1, PageSize: 100}})
		if err != nil {
			return fmt.Errorf("seed: submissions: %w", err)
		}
		if len(subs) == 0 {
			return nil
		}
		for _, s := range subs {
			if _, err := cat.DecideSubmission(ctx, manager, s.ID, true, catalog.SubmissionDecision{Note: "Antagen enligt tilldelningsbeslutet"}); err != nil {
				return fmt.Errorf("seed: accept submission: %w", err)
			}
		}
	}
}
