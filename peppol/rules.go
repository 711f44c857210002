package peppol

import "github.com/avrop/avrop/peppol/rules"

// RuleFailure is one fatal assertion a document breaks (see peppol/rules, the one runner of
// the UBL schema and the official PEPPOL and EN 16931 rules).
type RuleFailure = rules.Failure
