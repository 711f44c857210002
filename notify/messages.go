package notify

import (
	"fmt"
	"strings"
)

// The languages mails are written in: the UI's languages (frontend's message catalogue has
// the same four). Swedish is the fallback.
const (
	LangSV = "sv"
	LangEN = "en"
	LangNB = "nb"
	LangDA = "da"
)

// Languages are the mail languages, in the order the settings page offers them.
var Languages = []string{LangSV, LangNB, LangDA, LangEN}

// ValidLanguage reports whether mails can be written in lang.
func ValidLanguage(lang string) bool {
	return lang == LangSV || lang == LangEN || lang == LangNB || lang == LangDA
}

// msg is one mail text in each language; %s takes the subject's reference (or the reader's
// name, or a note). The texts live here rather than in frontend's catalogue because the
// worker renders them without any HTTP code; a test checks every language has every text.
type msg struct{ sv, en, nb, da string }

func (m msg) text(lang string) string {
	switch lang {
	case LangEN:
		return m.en
	case LangNB:
		return m.nb
	case LangDA:
		return m.da
	}
	return m.sv
}

// kindText is a kind's subject line, its first paragraph and the UI page it links to
// (%s: the subject's id).
type kindText struct {
	subject, body msg
	path          string
}

var texts = map[Kind]kindText{
	OrderAwaitingApproval: {
		subject: msg{sv: "Beställning %s väntar på din attest", en: "Order %s awaits your approval", nb: "Bestilling %s venter på din attestasjon", da: "Bestilling %s afventer din godkendelse"},
		body:    msg{sv: "Beställningen %s väntar på att du attesterar eller avslår den.", en: "Order %s is waiting for you to approve or reject it.", nb: "Bestillingen %s venter på at du attesterer eller avslår den.", da: "Bestillingen %s venter på, at du godkender eller afviser den."},
		path:    "/orders/%s",
	},
	OrderReceived: {
		subject: msg{sv: "Ny beställning %s", en: "New order %s", nb: "Ny bestilling %s", da: "Ny bestilling %s"},
		body:    msg{sv: "Ni har fått beställningen %s. Bekräfta, ändra eller avböj den i Avrop.", en: "You have received order %s. Accept, change or decline it in Avrop.", nb: "Dere har mottatt bestillingen %s. Bekreft, endre eller avslå den i Avrop.", da: "I har modtaget bestillingen %s. Bekræft, ændr eller afvis den i Avrop."},
		path:    "/orders/%s",
	},
	OrderRejected: {
		subject: msg{sv: "Beställning %s avslogs", en: "Order %s was rejected", nb: "Bestilling %s ble avslått", da: "Bestilling %s blev afvist"},
		body:    msg{sv: "Din beställning %s avslogs vid attesten.", en: "Your order %s was rejected by an approver.", nb: "Bestillingen din %s ble avslått ved attestasjonen.", da: "Din bestilling %s blev afvist ved godkendelsen."},
		path:    "/orders/%s",
	},
	OrderDeclined: {
		subject: msg{sv: "Leverantören avböjde beställning %s", en: "The supplier declined order %s", nb: "Leverandøren avslo bestilling %s", da: "Leverandøren afviste bestilling %s"},
		body:    msg{sv: "Leverantören har avböjt din beställning %s.", en: "The supplier has declined your order %s.", nb: "Leverandøren har avslått bestillingen din %s.", da: "Leverandøren har afvist din bestilling %s."},
		path:    "/orders/%s",
	},
	OrderChanged: {
		subject: msg{sv: "Beställning %s bekräftades med ändringar", en: "Order %s was accepted with changes", nb: "Bestilling %s ble bekreftet med endringer", da: "Bestilling %s blev bekræftet med ændringer"},
		body:    msg{sv: "Leverantören har bekräftat din beställning %s med ändringar. Se vad som ändrats.", en: "The supplier has accepted your order %s with changes. See what changed.", nb: "Leverandøren har bekreftet bestillingen din %s med endringer. Se hva som er endret.", da: "Leverandøren har bekræftet din bestilling %s med ændringer. Se, hvad der er ændret."},
		path:    "/orders/%s",
	},
	OrderShipped: {
		subject: msg{sv: "Beställning %s har skickats", en: "Order %s has shipped", nb: "Bestilling %s er sendt", da: "Bestilling %s er afsendt"},
		body:    msg{sv: "Leverantören har skickat varor i din beställning %s. Kvittera leveransen när den har kommit.", en: "The supplier has shipped goods of your order %s. Confirm the delivery when it arrives.", nb: "Leverandøren har sendt varer i bestillingen din %s. Kvitter leveransen når den er kommet.", da: "Leverandøren har afsendt varer fra din bestilling %s. Kvittér leveringen, når den er modtaget."},
		path:    "/orders/%s",
	},
	PriceChangeAwaiting: {
		subject: msg{sv: "Prisändring väntar på beslut: %s", en: "Price change awaits a decision: %s", nb: "Prisendring venter på beslutning: %s", da: "Prisændring afventer beslutning: %s"},
		body:    msg{sv: "En leverantör har begärt en prisändring (%s) som väntar på ditt beslut.", en: "A supplier has asked for a price change (%s) that awaits your decision.", nb: "En leverandør har bedt om en prisendring (%s) som venter på din beslutning.", da: "En leverandør har anmodet om en prisændring (%s), som afventer din beslutning."},
		path:    "/manager/price-changes",
	},
	SubmissionAwaiting: {
		subject: msg{sv: "Sortimentsändring väntar på beslut: %s", en: "Catalogue change awaits a decision: %s", nb: "Sortimentsendring venter på beslutning: %s", da: "Sortimentsændring afventer beslutning: %s"},
		body:    msg{sv: "En leverantör har skickat in en ändring av sortimentet (%s) som väntar på ditt beslut.", en: "A supplier has submitted a catalogue change (%s) that awaits your decision.", nb: "En leverandør har sendt inn en endring av sortimentet (%s) som venter på din beslutning.", da: "En leverandør har indsendt en ændring af sortimentet (%s), som afventer din beslutning."},
		path:    "/manager/submissions/%s",
	},
}

// The parts every mail shares.
var (
	greeting = msg{sv: "Hej %s!", en: "Hello %s,", nb: "Hei %s!", da: "Hej %s"}
	noteLine = msg{sv: "Kommentar: %s", en: "Note: %s", nb: "Kommentar: %s", da: "Kommentar: %s"}
	openLine = msg{sv: "Öppna i Avrop:", en: "Open in Avrop:", nb: "Åpne i Avrop:", da: "Åbn i Avrop:"}
	footer   = msg{
		sv: "Du får det här mejlet från Avrop eftersom det gäller din roll. Du kan stänga av e-post från Avrop under Inställningar:",
		en: "You get this mail from Avrop because it concerns your role. You can turn Avrop mails off under Settings:",
		nb: "Du får denne e-posten fra Avrop fordi den gjelder rollen din. Du kan slå av e-post fra Avrop under Innstillinger:",
		da: "Du får denne e-mail fra Avrop, fordi den vedrører din rolle. Du kan slå e-mails fra Avrop fra under Indstillinger:",
	}
)

// SettingsPath is the UI page where a person turns mails off; every mail links to it.
const SettingsPath = "/account"

// Mail is one rendered mail.
type Mail struct {
	To, Subject, Body string
}

// render writes the mail about m in lang, with absolute links under baseURL.
func render(lang, baseURL string, m queued) Mail {
	t := texts[m.Kind]
	ref := oneLine(m.Reference)
	link := strings.TrimRight(baseURL, "/") + t.path
	if strings.Contains(t.path, "%s") {
		link = fmt.Sprintf(strings.TrimRight(baseURL, "/")+t.path, m.SubjectID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, greeting.text(lang)+"\n\n", oneLine(m.Name))
	fmt.Fprintf(&b, t.body.text(lang)+"\n", ref)
	if m.Note != "" {
		fmt.Fprintf(&b, "\n"+noteLine.text(lang)+"\n", m.Note)
	}
	fmt.Fprintf(&b, "\n%s\n%s\n\n-- \n%s\n%s\n", openLine.text(lang), link,
		footer.text(lang), strings.TrimRight(baseURL, "/")+SettingsPath)
	return Mail{To: m.Email, Subject: fmt.Sprintf(t.subject.text(lang), ref), Body: b.String()}
}

// oneLine keeps a text that goes into a subject or a greeting on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
