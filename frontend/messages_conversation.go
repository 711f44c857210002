package frontend

// conversationMessages are the order conversation's texts (SPEC §8): the supplier's answer
// line by line, partial shipments and receipts, the domain's notes on them, and the
// withdrawal a PEPPOL catalogue's Delete or Replace submits for approval.
var conversationMessages = map[string]msg{
	"conversation.answer_heading":      {sv: "Leverantörens svar", en: "The supplier's answer", nb: "Leverandørens svar", da: "Leverandørens svar"},
	"conversation.decision_AP":         {sv: "Accepterad som beställd", en: "Accepted as ordered", nb: "Akseptert som bestilt", da: "Accepteret som bestilt"},
	"conversation.decision_CA":         {sv: "Accepterad med ändringar", en: "Accepted with changes", nb: "Akseptert med endringer", da: "Accepteret med ændringer"},
	"conversation.decision_RE":         {sv: "Avböjd", en: "Declined", nb: "Avslått", da: "Afvist"},
	"conversation.line_refused":        {sv: "%s: kan inte levereras", en: "%s: cannot be delivered", nb: "%s: kan ikke leveres", da: "%s: kan ikke leveres"},
	"conversation.line_reduced":        {sv: "%s: %d av %d %s", en: "%s: %d of %d %s", nb: "%s: %d av %d %s", da: "%s: %d af %d %s"},
	"conversation.promised_date":       {sv: "Utlovat leveransdatum", en: "Promised delivery date", nb: "Lovet leveringsdato", da: "Lovet leveringsdato"},
	"conversation.supplier_note":       {sv: "Leverantörens meddelande", en: "The supplier's message", nb: "Leverandørens melding", da: "Leverandørens besked"},
	"conversation.confirmed_n":         {sv: "bekräftat %d", en: "confirmed %d", nb: "bekreftet %d", da: "bekræftet %d"},
	"conversation.not_delivered":       {sv: "levereras inte", en: "not delivered", nb: "leveres ikke", da: "leveres ikke"},
	"conversation.shipped_n":           {sv: "skickat %d", en: "shipped %d", nb: "sendt %d", da: "afsendt %d"},
	"conversation.received_n":          {sv: "mottaget %d", en: "received %d", nb: "mottatt %d", da: "modtaget %d"},
	"conversation.answer_form":         {sv: "Svara på beställningen", en: "Answer the order", nb: "Svar på bestillingen", da: "Svar på bestillingen"},
	"conversation.answer_help":         {sv: "Sänk antalet på en rad ni inte kan leverera fullt ut, 0 om raden inte kan levereras alls. Med alla rader som beställt är beställningen accepterad.", en: "Lower the quantity of a line you cannot deliver in full, 0 if the line cannot be delivered at all. With every line as ordered, the order is accepted.", nb: "Senk antallet på en linje dere ikke kan levere fullt ut, 0 hvis linjen ikke kan leveres i det hele tatt. Med alle linjer som bestilt er bestillingen akseptert.", da: "Sænk antallet på en linje, I ikke kan levere fuldt ud, 0 hvis linjen slet ikke kan leveres. Med alle linjer som bestilt er bestillingen accepteret."},
	"conversation.ordered_n":           {sv: "Beställt: %d %s", en: "Ordered: %d %s", nb: "Bestilt: %d %s", da: "Bestilt: %d %s"},
	"conversation.note_to_buyer":       {sv: "Meddelande till beställaren", en: "Message to the buyer", nb: "Melding til bestilleren", da: "Besked til bestilleren"},
	"conversation.send_answer":         {sv: "Skicka svaret", en: "Send the answer", nb: "Send svaret", da: "Send svaret"},
	"conversation.bad_quantity":        {sv: "Ange ett heltal från 0 till %d.", en: "Enter a whole number from 0 to %d.", nb: "Oppgi et heltall fra 0 til %d.", da: "Angiv et heltal fra 0 til %d."},
	"conversation.ship_form":           {sv: "Skicka varor", en: "Ship goods", nb: "Send varer", da: "Send varer"},
	"conversation.ship_help":           {sv: "Ange vad som skickas nu; resten kan skickas senare.", en: "Enter what goes in this shipment; the rest can follow later.", nb: "Oppgi hva som sendes nå; resten kan sendes senere.", da: "Angiv, hvad der sendes nu; resten kan sendes senere."},
	"conversation.left_n":              {sv: "Kvar att skicka: %d %s", en: "Left to ship: %d %s", nb: "Igjen å sende: %d %s", da: "Tilbage at sende: %d %s"},
	"conversation.nothing_to_ship":     {sv: "Ange minst en rad med ett antal över 0.", en: "Enter at least one line with a quantity above 0.", nb: "Oppgi minst én linje med et antall over 0.", da: "Angiv mindst én linje med et antal over 0."},
	"conversation.receive_form":        {sv: "Ta emot leveransen", en: "Receive the delivery", nb: "Ta imot leveransen", da: "Modtag leveringen"},
	"conversation.receive_help":        {sv: "Ange hur mycket som kom fram. Det som fattas rapporteras till leverantören som en avvikelse ”Saknad vara”.", en: "Enter how much arrived. What is missing is reported to the supplier as a “Missing item” deviation.", nb: "Oppgi hvor mye som kom fram. Det som mangler rapporteres til leverandøren som et avvik «Manglende vare».", da: "Angiv, hvor meget der kom frem. Det, der mangler, rapporteres til leverandøren som en afvigelse »Manglende vare«."},
	"conversation.expected_n":          {sv: "Bekräftat: %d %s, skickat: %d", en: "Confirmed: %d %s, shipped: %d", nb: "Bekreftet: %d %s, sendt: %d", da: "Bekræftet: %d %s, afsendt: %d"},
	"conversation.missing_text":        {sv: "%[1]s: %[2]d av %[3]d %[5]s mottogs, %[4]d saknas.", en: "%[1]s: %[2]d of %[3]d %[5]s received, %[4]d missing.", nb: "%[1]s: %[2]d av %[3]d %[5]s mottatt, %[4]d mangler.", da: "%[1]s: %[2]d af %[3]d %[5]s modtaget, %[4]d mangler."},
	"conversation.nothing_deliverable": {sv: "ingen rad kan levereras", en: "no line can be delivered", nb: "ingen linje kan leveres", da: "ingen linje kan leveres"},
	"conversation.note_changed":        {sv: "Accepterad med ändringar.", en: "Accepted with changes.", nb: "Akseptert med endringer.", da: "Accepteret med ændringer."},
	"conversation.line_quantity":       {sv: "rad %s × %s", en: "line %s × %s", nb: "linje %s × %s", da: "linje %s × %s"},
	"conversation.note_shipment":       {sv: "Sändning: %s.", en: "Shipment: %s.", nb: "Sending: %s.", da: "Forsendelse: %s."},
	"conversation.note_received":       {sv: "Mottaget: %s.", en: "Received: %s.", nb: "Mottatt: %s.", da: "Modtaget: %s."},
	"change_kind.withdrawal":           {sv: "utgår ur sortimentet", en: "withdrawn from the catalogue", nb: "utgår av sortimentet", da: "udgår af sortimentet"},
	"change_field.active":              {sv: "I sortimentet", en: "In the catalogue", nb: "I sortimentet", da: "I sortimentet"},
	"change_active.true":               {sv: "ja", en: "yes", nb: "ja", da: "ja"},
	"change_active.false":              {sv: "nej, utgår", en: "no, withdrawn", nb: "nei, utgår", da: "nej, udgår"},
	"flash.order_changed":              {sv: "Svaret är skickat: beställningen är accepterad med ändringar.", en: "The answer was sent: the order is accepted with changes.", nb: "Svaret er sendt: bestillingen er akseptert med endringer.", da: "Svaret er sendt: bestillingen er accepteret med ændringer."},
}

func init() {
	mergeMessages(conversationMessages)
	dynamicKeys = append(dynamicKeys, "conversation.decision_AP", "conversation.decision_CA", "conversation.decision_RE", "flash.order_changed",
		"change_kind.withdrawal", "change_active.true", "change_active.false")
}
