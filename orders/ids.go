package orders

import "github.com/google/uuid"

// newID makes the id of a row an order inserts (the order, a subscription line's placement):
// a time-ordered UUID (version 7, RFC 9562), so that the b-tree indexes keyed by it — the
// order's primary key, its lines' and events' indexes, the placements' — take each new entry on
// their right-most leaf instead of a random one. With random ids (version 4) every order
// touched leaf pages no other order had touched since the last checkpoint, and each such page
// was written to the WAL whole; at national volume those leaves are also out of
// shared_buffers. A version 7 id is still a UUID, so URLs, exports and PEPPOL documents keep
// their format; it shows the millisecond it was made, which the order's created_at shows too.
// 62 of its bits are random, and every read checks the caller's scope, not the id. Measured
// (docs/speed.md, "The data design, measured"): 10,000 inserts into a 2,000,000-entry uuid index after
// a checkpoint wrote 6,165 full-page images and 38.5 MB of WAL with random ids, 4 and 1.7 MB
// with version 7 ones.
// Like uuid.NewString, it panics only when the system's random source fails.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
