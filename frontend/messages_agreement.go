package frontend

// Texts of the agreement under control (SPEC §6): terms, history, catalogue approval, cascade,
// splitting, forecast and follow-up.
var agreementMessages = map[string]msg{
	"followup.no_deliveries": {sv: "inga leveranser ännu", en: "no deliveries yet", nb: "ingen leveranser ennå", da: "ingen leveringer endnu"},
}

func init() {
	for k, v := range agreementMessages {
		messages[k] = v
	}
}
