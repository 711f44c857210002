package frontend

// Texts of the agreement under control (SPEC §6): terms, history, catalogue approval, cascade,
// splitting, forecast and follow-up.
var agreementMessages = map[string]msg{
	"field.duration_justification_required": {sv: "Avtalet löper längre än fyra år: ange skälet.", en: "The agreement runs longer than four years: give the reason.", nb: "Avtalen løper lenger enn fire år: oppgi begrunnelsen.", da: "Aftalen løber længere end fire år: angiv begrundelsen."},
	"field.below_committed":                 {sv: "Får inte vara lägre än det som redan är avropat.", en: "May not be below what is already committed.", nb: "Kan ikke være lavere enn det som allerede er avropt.", da: "Må ikke være lavere end det, der allerede er afropt."},
	"field.party_has_orders":                {sv: "Parten har beställningar och kan inte tas bort; ange ett slutdatum i stället.", en: "The party has orders and cannot be removed; give an end date instead.", nb: "Parten har bestillinger og kan ikke fjernes; oppgi en sluttdato i stedet.", da: "Parten har ordrer og kan ikke fjernes; angiv en slutdato i stedet."},
	"followup.no_deliveries":                {sv: "inga leveranser ännu", en: "no deliveries yet", nb: "ingen leveranser ennå", da: "ingen leveringer endnu"},
}

func init() {
	for k, v := range agreementMessages {
		messages[k] = v
	}
}
