package frontend

// The texts of the page shown when the service is busy or its database out of reach for a
// moment (503).
func init() {
	for k, v := range map[string]msg{
		"error.503":      {sv: "Tjänsten är upptagen", en: "The service is busy", nb: "Tjenesten er opptatt", da: "Tjenesten er optaget"},
		"error.503_text": {sv: "Försök igen om en liten stund.", en: "Try again in a moment.", nb: "Prøv igjen om et lite øyeblikk.", da: "Prøv igen om et øjeblik."},
		"problem.busy": {sv: "Tjänsten är upptagen. Försök igen om en liten stund.", en: "The service is busy. Try again in a moment.",
			nb: "Tjenesten er opptatt. Prøv igjen om et lite øyeblikk.", da: "Tjenesten er optaget. Prøv igen om et øjeblik."},
		"problem.database_unavailable": {sv: "Databasen går inte att nå just nu. Försök igen om en liten stund.", en: "The database is out of reach just now. Try again in a moment.",
			nb: "Databasen kan ikke nås akkurat nå. Prøv igjen om et lite øyeblikk.", da: "Databasen kan ikke nås lige nu. Prøv igen om et øjeblik."},
	} {
		messages[k] = v
	}
}
