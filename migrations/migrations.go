// Package migrations holds Avrop's forward-only, numbered SQL migrations, embedded in the
// binary. A landed file is never edited; a change is a new file.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
