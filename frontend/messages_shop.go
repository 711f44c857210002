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
