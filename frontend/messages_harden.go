package frontend

// The texts of the hardening work (an unreachable database), merged into messages.
func init() {
	for k, m := range map[string]msg{
		"error.503": {sv: "Tjänsten är tillfälligt otillgänglig", en: "Service temporarily unavailable",
			nb: "Tjenesten er midlertidig utilgjengelig", da: "Tjenesten er midlertidigt utilgængelig"},
		"error.503_text": {sv: "Avrop når inte sin databas just nu. Försök igen om en liten stund.",
			en: "Avrop cannot reach its database right now. Try again in a little while.",
			nb: "Avrop når ikke databasen sin akkurat nå. Prøv igjen om en liten stund.",
			da: "Avrop kan ikke nå sin database lige nu. Prøv igen om lidt."},
	} {
		messages[k] = m
	}
}
