package console

var signinTexts = map[string]text{
	"signin.title": {"Log ind i administrationen", "Sign in to the administration"},
	"signin.intro": {"Skriv din e-mailadresse. Er du administrator, sender vi dig et link, du kan logge ind med. Det virker i 10 minutter og kun én gang.",
		"Type your e-mail address. If you are an administrator, we send you a link to sign in with. It works for 10 minutes and once only."},
	"signin.email.label":   {"E-mailadresse", "E-mail address"},
	"signin.email.invalid": {"Skriv en e-mailadresse, fx navn@firma.dk", "Type an e-mail address, like name@company.dk"},
	"signin.submit":        {"Send mig et link", "Send me a link"},
	"signin.passkey":       {"Log ind med adgangsnøgle", "Sign in with a passkey"},
	"signin.passkey.or":    {"Har du en adgangsnøgle?", "Do you have a passkey?"},
	"signin.passkey.nojs":  {"Adgangsnøgler kræver JavaScript.", "Passkeys need JavaScript."},
	"signin.signedout":     {"Du er logget ud.", "You are signed out."},

	"signin.sent.title": {"Tjek din mail", "Check your mail"},
	"signin.sent.body.1": {"Hvis adressen tilhører en administrator, har vi sendt et link til den. Linket virker i 10 minutter og kun én gang.",
		"If the address belongs to an administrator, we have sent a link to it. The link works for 10 minutes and once only."},
	"signin.sent.body.2": {"Kommer der ingen mail, så tjek stavningen og din spammappe, eller bed en anden administrator om at tjekke din adresse.",
		"If no mail arrives, check the spelling and your spam folder, or ask another administrator to check your address."},

	"signin.link.title":  {"Log ind", "Sign in"},
	"signin.link.body":   {"Tryk på knappen for at logge ind. Linket kan kun bruges én gang.", "Press the button to sign in. The link can be used once only."},
	"signin.link.submit": {"Log ind", "Sign in"},

	"signin.bad.title": {"Linket virker ikke", "The link does not work"},
	"signin.bad.body": {"Linket er brugt, for gammelt eller ugyldigt. Bed om et nyt.",
		"The link has been used, is too old or is not valid. Ask for a new one."},
	"signin.again": {"Bed om et nyt link", "Ask for a new link"},

	"signin.mail.subject": {"Log ind i administrationen – %s", "Sign in to the administration – %s"},
	"signin.mail.body": {"Hej\n\nHer er dit link til at logge ind i administrationen for %s:\n\n%s\n\nLinket virker i 10 minutter og kun én gang. Har du ikke bedt om det, kan du se bort fra mailen.\n",
		"Hello\n\nHere is your link to sign in to the administration of %s:\n\n%s\n\nThe link works for 10 minutes and once only. If you did not ask for it, you can ignore this mail.\n"},

	"reauth.title": {"Bekræft, at det er dig", "Confirm it is you"},
	"reauth.body": {"Det, du vil gøre, kræver, at du har logget ind inden for de sidste 10 minutter. Log ind igen med din adgangsnøgle eller et nyt link, og gør det så igen.",
		"What you want to do needs a sign-in within the last 10 minutes. Sign in again with your passkey or a new link, then do it again."},
	"reauth.link":       {"Send mig et nyt link", "Send me a new link"},
	"reauth.back":       {"Tilbage", "Back"},
	"reauth.sent.title": {"Tjek din mail", "Check your mail"},
	"reauth.sent.body":  {"Vi har sendt et nyt link til din adresse. Det virker i 10 minutter.", "We have sent a new link to your address. It works for 10 minutes."},
}
