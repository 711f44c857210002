package frontend

// The texts of the page shown when the service is busy or its database out of reach for a
// moment (503).
func init() {
	for k, v := range map[string]msg{
		"error.503":      {sv: "Tjänsten är upptagen", en: "The service is busy", nb: "Tjenesten er opptatt", da: "Tjenesten er optaget"},
		"error.503_text": {sv: "Försök igen om en liten stund.", en: "Try again in a moment.", nb: "Prøv igjen om et lite øyeblikk.", da: "Prøv igen om et øjeblik."},
	} {
		messages[k] = v
	}
}
