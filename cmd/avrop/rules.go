package main

import (
	"fmt"
	"log/slog"

	"github.com/avrop/avrop/invoices"
	"github.com/avrop/avrop/peppol/rules"
)

// billingRules starts the checker of received invoices per AVROP_BILLING_RULES: "auto" (the
// default) checks when java and Saxon-HE are installed and warns otherwise, "on" refuses to
// start without them, "off" never checks. The returned close stops the checker's JVM.
func billingRules(mode string, logger *slog.Logger) (invoices.Validator, func(), error) {
	switch mode {
	case "off":
		logger.Warn("AVROP_BILLING_RULES=off: received invoices are not checked against the EN 16931 and PEPPOL BIS Billing 3 rules")
		return nil, func() {}, nil
	case "auto", "on", "":
	default:
		return nil, nil, fmt.Errorf("config: AVROP_BILLING_RULES must be auto, on or off, not %q", mode)
	}
	checker, err := rules.Start(0, rules.Billing)
	if err != nil {
		if mode == "on" {
			return nil, nil, fmt.Errorf("AVROP_BILLING_RULES=on: %w", err)
		}
		logger.Warn("received invoices are not checked against the EN 16931 and PEPPOL BIS Billing 3 rules", "reason", err.Error())
		return nil, func() {}, nil
	}
	return func(doc []byte) ([]invoices.RuleFailure, error) { return checker.Check(rules.Billing, doc) }, checker.Close, nil
}
