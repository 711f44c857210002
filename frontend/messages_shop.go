package frontend

// shopMessages are the care staff's shop texts: cart, undo, totals and refusals that say what
// to do.
var shopMessages = map[string]msg{
	"cart.bad_quantity":     {sv: "Ange ett heltal från 0 till %d (0 tar bort raden). Inget har ändrats.", en: "Enter a whole number from 0 to %d (0 removes the line). Nothing was changed.", nb: "Oppgi et heltall fra 0 til %d (0 fjerner linjen). Ingenting er endret.", da: "Angiv et heltal fra 0 til %d (0 fjerner linjen). Intet er ændret."},
	"cart.removed":          {sv: "%d × %s togs bort ur varukorgen.", en: "%d × %s was removed from the cart.", nb: "%d × %s ble fjernet fra handlekurven.", da: "%d × %s blev fjernet fra indkøbskurven."},
	"cart.undo":             {sv: "Ångra", en: "Undo", nb: "Angre", da: "Fortryd"},
	"cart.each":             {sv: "%s per %s", en: "%s per %s", nb: "%s per %s", da: "%s pr. %s"},
	"cart.total_incl":       {sv: "Summa inkl. moms", en: "Total incl. VAT", nb: "Sum inkl. mva.", da: "I alt inkl. moms"},
	"cart.short_of_min":     {sv: "Det fattas %s till avtalets minsta ordervärde (%s exkl. moms). Lägg till fler varor från samma leverantör.", en: "%s is missing to the agreement's minimum order value (%s excl. VAT). Add more items from the same supplier.", nb: "Det mangler %s til avtalens minste ordreverdi (%s ekskl. mva.). Legg til flere varer fra samme leverandør.", da: "Der mangler %s til aftalens mindste ordreværdi (%s ekskl. moms). Tilføj flere varer fra samme leverandør."},
	"order.reorder":         {sv: "Beställ samma varor igen", en: "Order the same items again", nb: "Bestill de samme varene igjen", da: "Bestil de samme varer igen"},
	"flash.reordered":       {sv: "Varorna från beställningen ligger i varukorgen med dagens priser.", en: "The order's items are in the cart at today's prices.", nb: "Varene fra bestillingen ligger i handlekurven med dagens priser.", da: "Varerne fra bestillingen ligger i indkøbskurven med dagens priser."},
	"flash.cart_restored":   {sv: "Raden är tillbaka i varukorgen.", en: "The line is back in the cart.", nb: "Linjen er tilbake i handlekurven.", da: "Linjen er tilbage i indkøbskurven."},
	"checkout.short_of_min": {sv: "Det fattas %s till minsta ordervärdet: gå tillbaka till varukorgen och lägg till varor.", en: "%s is missing to the minimum order value: go back to the cart and add items.", nb: "Det mangler %s til minste ordreverdi: gå tilbake til handlekurven og legg til varer.", da: "Der mangler %s til mindste ordreværdi: gå tilbage til indkøbskurven, og tilføj varer."},
	"checkout.room_left":    {sv: "Det finns %s kvar under takbeloppet: minska antalet så att beställningen ryms.", en: "%s is left under the ceiling: lower the quantities so that the order fits.", nb: "Det er %s igjen under takbeløpet: reduser antallet slik at bestillingen får plass.", da: "Der er %s tilbage under loftbeløbet: sænk antallet, så bestillingen kan rummes."},
}

func init() { mergeMessages(shopMessages) }

var approvalMessages = map[string]msg{
	"approvals.why":            {sv: "Varför attest behövs", en: "Why approval is needed", nb: "Hvorfor attestasjon trengs", da: "Hvorfor godkendelse er nødvendig"},
	"approvals.over_threshold": {sv: "Summan når organisationens attestgräns (%s exkl. moms).", en: "The total reaches the organisation's approval threshold (%s excl. VAT).", nb: "Summen når organisasjonens attestasjonsgrense (%s ekskl. mva.).", da: "Beløbet når organisationens godkendelsesgrænse (%s ekskl. moms)."},
	"approvals.always":         {sv: "Organisationen attesterar alla beställningar (attestgränsen är 0).", en: "The organisation approves every order (its approval threshold is 0).", nb: "Organisasjonen attesterer alle bestillinger (attestasjonsgrensen er 0).", da: "Organisationen godkender alle bestillinger (godkendelsesgrænsen er 0)."},
	"approvals.note_or_reason": {sv: "Kommentar (krävs vid avslag)", en: "Note (required to reject)", nb: "Kommentar (kreves ved avslag)", da: "Kommentar (kræves ved afvisning)"},
	"approvals.reject_reason":  {sv: "Skriv varför beställningen avslås, så att beställaren vet vad som ska ändras.", en: "Say why the order is rejected, so that the orderer knows what to change.", nb: "Skriv hvorfor bestillingen avslås, slik at bestilleren vet hva som må endres.", da: "Skriv, hvorfor bestillingen afvises, så bestilleren ved, hvad der skal ændres."},
}

func init() { mergeMessages(approvalMessages) }

var importMessages = map[string]msg{
	"import.template":      {sv: "Ladda ner en mall:", en: "Download a template:", nb: "Last ned en mal:", da: "Download en skabelon:"},
	"import.template_csv":  {sv: "CSV (semikolon)", en: "CSV (semicolons)", nb: "CSV (semikolon)", da: "CSV (semikolon)"},
	"import.template_xlsx": {sv: "Excel (.xlsx)", en: "Excel (.xlsx)", nb: "Excel (.xlsx)", da: "Excel (.xlsx)"},
	"import.sheet_hint":    {sv: "I stället för price_minor och vat_rate_bp kan filen ha price (i kronor, till exempel 89,50) och vat_rate (i procent, till exempel 25).", en: "Instead of price_minor and vat_rate_bp the file may have price (in kronor, for example 89.50) and vat_rate (in percent, for example 25).", nb: "I stedet for price_minor og vat_rate_bp kan filen ha price (i kroner, for eksempel 89,50) og vat_rate (i prosent, for eksempel 25).", da: "I stedet for price_minor og vat_rate_bp kan filen have price (i kroner, for eksempel 89,50) og vat_rate (i procent, for eksempel 25)."},
	"import.jumps_heading": {sv: "Kontrollera stora prisändringar", en: "Check large price changes", nb: "Kontroller store prisendringer", da: "Kontrollér store prisændringer"},
	"import.jumps_intro":   {sv: "De här priserna ändras med mer än %d %%. Ingenting är inläst ännu. Stämmer priserna?", en: "These prices change by more than %d %%. Nothing is imported yet. Are the prices right?", nb: "Disse prisene endres med mer enn %d %%. Ingenting er lest inn ennå. Stemmer prisene?", da: "Disse priser ændres med mere end %d %%. Intet er indlæst endnu. Er priserne rigtige?"},
	"import.jumps_old":     {sv: "Nu", en: "Now", nb: "Nå", da: "Nu"},
	"import.jumps_new":     {sv: "I filen", en: "In the file", nb: "I filen", da: "I filen"},
	"import.jumps_change":  {sv: "Ändring", en: "Change", nb: "Endring", da: "Ændring"},
	"import.confirm":       {sv: "Ja, läs in prislistan", en: "Yes, import the price list", nb: "Ja, les inn prislisten", da: "Ja, indlæs prislisten"},
	"import.choose_again":  {sv: "Filen är för stor för att skickas med bekräftelsen: välj den igen och kryssa i rutan nedan.", en: "The file is too large to carry through the confirmation: choose it again and tick the box below.", nb: "Filen er for stor til å sendes med bekreftelsen: velg den på nytt og kryss av i boksen nedenfor.", da: "Filen er for stor til at blive sendt med bekræftelsen: vælg den igen, og sæt kryds i feltet nedenfor."},
	"import.confirm_box":   {sv: "Jag har kontrollerat priser som ändras med mer än 50 %", en: "I have checked prices that change by more than 50 %", nb: "Jeg har kontrollert priser som endres med mer enn 50 %", da: "Jeg har kontrolleret priser, der ændres med mere end 50 %"},
}

func init() { mergeMessages(importMessages) }
