package invoices

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/derr"
	"github.com/avrop/avrop/internal/text"
)

// SpendRecordColumns are the columns of a ledger CSV (SPEC §9), each required exactly once in
// any order.
var SpendRecordColumns = []string{"org_number", "supplier_org_number", "supplier_name", "invoice_number", "invoice_date",
	"amount_minor", "currency", "cpv_code"}

// Spend-record file limits: one year of a large municipality's ledger fits well under them.
const (
	MaxSpendRecordRows = 1_000_000
	maxSpendErrors     = 1000
)

// SpendRecord is one ledger row: a supplier invoice the organisation paid outside the
// platform (or through it: the same invoice received as PEPPOL is counted once, see
// ContractLoyalty). AmountMinor excludes VAT and is negative for a credit.
type SpendRecord struct {
	Line              int    `json:"-"`
	OrgNumber         string `json:"org_number"`
	OrgID             string `json:"org_id"`
	SupplierOrgNumber string `json:"supplier_org_number"`
	SupplierName      string `json:"supplier_name"`
	InvoiceNumber     string `json:"invoice_number"`
	InvoiceDate       string `json:"invoice_date"`
	AmountMinor       int64  `json:"amount_minor"`
	Currency          string `json:"currency"`
	CPVCode           string `json:"cpv_code"`
}

// SpendLoadReport answers a valid file: rows read, rows created, and rows that were already
// loaded (earlier, or higher up in the same file).
type SpendLoadReport struct {
	Rows       int `json:"rows"`
	Created    int `json:"created"`
	Duplicates int `json:"duplicates"`
}

// OrgKey is the comparable form of an organisation number: its letters and digits, upper
// case ("212000-1876" and "2120001876" are one organisation; so are "SE2120001876…" VAT
// numbers once their country prefix is cut by the caller).
func OrgKey(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
			b = append(b, c)
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		}
	}
	return string(b)
}

// readSpendRecords streams a ledger CSV: UTF-8 (a byte-order mark is ignored), comma-separated,
// a header row naming SpendRecordColumns. Each valid row is passed to each as it is read (the
// caller resolves org_number to an organisation through orgOf, "" when the caller may not load
// spend for it); every error is returned by line and field, at most maxSpendErrors. Rows are
// usable only when no error is returned: the caller loads all or nothing.
func readSpendRecords(r io.Reader, orgOf func(key string) string, each func(SpendRecord) error) (rows int, errs []derr.FieldError, err error) {
	add := func(line int, field, code, msg string) bool {
		errs = append(errs, derr.FieldError{Line: line, Field: field, Code: code, Message: msg})
		return len(errs) < maxSpendErrors
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3) //nolint:errcheck // peeked
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, rerr := cr.Read()
	if errors.Is(rerr, io.EOF) {
		add(1, "file", "empty_file", "is empty: a header row is required ("+strings.Join(SpendRecordColumns, ",")+")")
		return 0, errs, nil
	}
	if rerr != nil {
		add(1, "file", "csv_syntax", csvProblem(rerr))
		return 0, errs, nil
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(SpendRecordColumns, h):
			add(1, "header", "unknown_column", fmt.Sprintf("unknown column %q", clip(h, 40)))
		case col[h] != 0:
			add(1, h, "duplicate", "column appears twice")
		default:
			col[h] = i + 1
		}
	}
	for _, c := range SpendRecordColumns {
		if col[c] == 0 {
			add(1, c, "missing_column", "column is missing")
		}
	}
	if len(errs) > 0 {
		return 0, errs, nil
	}
	for {
		rec, rerr := cr.Read()
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			var pe *csv.ParseError
			if errors.As(rerr, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				continue
			}
			if errors.As(rerr, &pe) {
				add(pe.Line, "file", "csv_syntax", csvProblem(rerr))
			} else {
				return rows, errs, fmt.Errorf("read spend records: %w", rerr)
			}
			break
		}
		line, _ := cr.FieldPos(0)
		rows++
		if rows > MaxSpendRecordRows {
			add(line, "file", "too_many_rows", fmt.Sprintf("has more than %d rows", MaxSpendRecordRows))
			break
		}
		if len(rec) != len(header) {
			if !add(line, "row", "field_count", fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))) {
				break
			}
			continue
		}
		get := func(name string) string { return strings.TrimSpace(rec[col[name]-1]) }
		sr := SpendRecord{Line: line, OrgNumber: get("org_number"), SupplierOrgNumber: get("supplier_org_number"),
			SupplierName: get("supplier_name"), InvoiceNumber: get("invoice_number"), InvoiceDate: get("invoice_date"),
			Currency: get("currency"), CPVCode: get("cpv_code")}
		var v derr.Validator
		okText := func(s string, n int) bool { return s != "" && len(s) <= n && text.Line(s) } // the one text rule
		v.Check(okText(sr.OrgNumber, 40), "org_number", "required", "is required: the buying organisation's number")
		if okText(sr.OrgNumber, 40) {
			sr.OrgID = orgOf(OrgKey(sr.OrgNumber))
			v.Check(sr.OrgID != "", "org_number", "no_such_organisation", "is not your organisation or a participant of your agreements")
		}
		v.Check(okText(sr.SupplierOrgNumber, 40) && OrgKey(sr.SupplierOrgNumber) != "", "supplier_org_number", "required",
			"is required: the supplier's organisation number (letters and digits)")
		v.Check(okText(sr.SupplierName, 200), "supplier_name", "length", "is required, at most 200 characters")
		v.Check(okText(sr.InvoiceNumber, 100), "invoice_number", "length", "is required, at most 100 characters")
		d, err := time.Parse(time.DateOnly, sr.InvoiceDate)
		v.Check(err == nil && d.Year() >= 1990 && d.Year() <= 2200, "invoice_date", "date", "must be a date YYYY-MM-DD")
		amount, err := strconv.ParseInt(get("amount_minor"), 10, 64)
		v.Check(err == nil && amount > -1e15 && amount < 1e15, "amount_minor", "minor_units",
			"must be a whole number of minor units (öre, øre), excluding VAT; negative for a credit")
		sr.AmountMinor = amount
		v.Check(isCurrency(sr.Currency), "currency", "currency", "must be an ISO 4217 code such as SEK, NOK, DKK or EUR")
		v.Check(validCPV(sr.CPVCode), "cpv_code", "cpv", "must be a CPV code: 8 digits, optionally -check digit (33190000 or 33190000-8)")
		full := false
		for _, e := range v.Errors {
			if !add(line, e.Field, e.Code, e.Message) {
				full = true
				break
			}
		}
		if full {
			break
		}
		if len(v.Errors) > 0 {
			continue
		}
		if len(errs) == 0 {
			if err := each(sr); err != nil {
				return rows, errs, err
			}
		}
	}
	return rows, errs, nil
}

func isCurrency(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z'
}

func validCPV(s string) bool {
	main, check, dash := strings.Cut(s, "-")
	return len(main) == 8 && digits(main) && (!dash || (len(check) == 1 && digits(check)))
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "is not valid CSV: " + pe.Err.Error()
	}
	return "could not be read"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// LoadSpendRecords loads a ledger CSV for the caller: an approver or manager for their own
// organisation, a manager also for the participants of their procurement body's agreements.
// The file is streamed into the database inside one transaction while it is read, and the
// transaction commits only when every row is valid: any error answers Invalid
// ("invalid_spend_records") with every error by line and field and changes nothing. A supplier
// invoice already loaded for the organisation (same supplier org number and invoice number),
// earlier or higher up in the file, is counted as a duplicate and not loaded again.
// Errors: Forbidden (other roles), Invalid.
func (s *Service) LoadSpendRecords(ctx context.Context, c auth.Caller, r io.Reader) (SpendLoadReport, error) {
	if !c.HasAny(auth.RoleApprover, auth.RoleManager) {
		return SpendLoadReport{}, derr.Forbiddenf("Only approvers and managers load spend records.")
	}
	orgs, err := s.spendOrgs(ctx, c)
	if err != nil {
		return SpendLoadReport{}, err
	}
	var rep SpendLoadReport
	var fieldErrs []derr.FieldError
	// One attempt only (not postgres.InTx): the file is read while it is loaded, so a
	// transaction aborted by PostgreSQL could not be run again from the same stream.
	err = inOneTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE spend_load (org_id uuid, supplier_org_number text, supplier_key text,
			supplier_name text, invoice_number text, invoice_date date, amount_minor bigint, currency char(3), cpv_code text,
			line integer) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("spend load table: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn("spend_load", "org_id", "supplier_org_number", "supplier_key", "supplier_name",
			"invoice_number", "invoice_date", "amount_minor", "currency", "cpv_code", "line"))
		if err != nil {
			return fmt.Errorf("spend copy: %w", err)
		}
		defer stmt.Close()
		rows, errs, err := readSpendRecords(r, func(key string) string { return orgs[key] }, func(sr SpendRecord) error {
			_, err := stmt.ExecContext(ctx, sr.OrgID, sr.SupplierOrgNumber, OrgKey(sr.SupplierOrgNumber), sr.SupplierName,
				sr.InvoiceNumber, sr.InvoiceDate, sr.AmountMinor, sr.Currency, sr.CPVCode, sr.Line)
			return err
		})
		if err != nil {
			return fmt.Errorf("spend copy: %w", err)
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			return fmt.Errorf("spend copy end: %w", err)
		}
		if len(errs) > 0 {
			fieldErrs = errs
			return errRollback
		}
		if rows == 0 {
			fieldErrs = []derr.FieldError{{Line: 2, Field: "file", Code: "empty_file", Message: "has no rows after the header"}}
			return errRollback
		}
		rep.Rows = rows
		// The first of equal rows in the file wins (line order), like a second load of a file.
		res, err := tx.ExecContext(ctx, `INSERT INTO spend_records (org_id, supplier_org_number, supplier_key, supplier_name,
			invoice_number, invoice_date, amount_minor, currency, cpv_code, loaded_by)
			SELECT org_id, supplier_org_number, supplier_key, supplier_name, invoice_number, invoice_date, amount_minor,
			       currency, cpv_code, $1 FROM spend_load ORDER BY line
			ON CONFLICT ON CONSTRAINT spend_records_invoice_key DO NOTHING`, c.UserID)
		if err != nil {
			return fmt.Errorf("spend insert: %w", err)
		}
		n, _ := res.RowsAffected()
		rep.Created = int(n)
		rep.Duplicates = rows - rep.Created
		return nil
	})
	if errors.Is(err, errRollback) {
		return SpendLoadReport{}, &derr.Error{Kind: derr.Invalid, Code: "invalid_spend_records",
			Message: "The file has errors; nothing was loaded.", Fields: fieldErrs}
	}
	if err != nil {
		return SpendLoadReport{}, err
	}
	return rep, nil
}

// inOneTx runs fn in one transaction, committing when it returns nil.
func inOneTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit this is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// errRollback ends a transaction that found the input invalid; it never leaves the package.
var errRollback = errors.New("rollback")

// spendOrgs maps the OrgKey of every organisation the caller may load spend for to its id:
// their own (approver or manager) and, for a manager, every participant of their body's
// agreements.
func (s *Service) spendOrgs(ctx context.Context, c auth.Caller) (map[string]string, error) {
	var rows []struct {
		ID        string `db:"id"`
		OrgNumber string `db:"org_number"`
	}
	err := sqlx.SelectContext(ctx, s.db, &rows, `
		SELECT o.id, o.org_number FROM organizations o WHERE o.id = $1
		UNION
		SELECT o.id, o.org_number FROM agreements a
		JOIN agreement_participants p ON p.agreement_id = a.id
		JOIN organizations o ON o.id = p.org_id
		WHERE $2 AND a.procurement_body_id = $1`, c.OrgID, c.Has(auth.RoleManager))
	if err != nil {
		return nil, fmt.Errorf("spend organisations: %w", err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[OrgKey(r.OrgNumber)] = r.ID
	}
	return m, nil
}
