package orders

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// UsageCSVHeader is the usage export's header row.
var UsageCSVHeader = []string{"scope", "org_id", "org_name", "currency", "ceiling_minor", "committed_minor", "remaining_minor", "percent_used", "forecast_exhaustion_date"}

// WriteUsageCSV writes an agreement's usage as CSV: one row for the agreement and one per
// participant the caller may see. It is the one writer of this export: the API and the web UI
// both call it, so their files have the same columns.
func WriteUsageCSV(out io.Writer, u Usage) error {
	num := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	pct := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', 1, 64)
	}
	forecast := ""
	if u.ForecastExhaustionDate != nil {
		forecast = *u.ForecastExhaustionDate
	}
	w := csv.NewWriter(out)
	rows := [][]string{UsageCSVHeader,
		{"agreement", "", "", u.Currency, num(u.CeilingMinor), strconv.FormatInt(u.CommittedMinor, 10), num(u.RemainingMinor), pct(u.PercentUsed), forecast}}
	for _, p := range u.Participants {
		rows = append(rows, []string{"participant", p.OrgID, csvText(p.OrgName), u.Currency, num(p.CeilingMinor),
			strconv.FormatInt(p.CommittedMinor, 10), num(p.RemainingMinor), pct(p.PercentUsed), ""})
	}
	return w.WriteAll(rows)
}

// csvText keeps a spreadsheet from reading exported text as a formula (CSV injection).
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
