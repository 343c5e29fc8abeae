package console

var passkeyTexts = map[string]text{
	"passkeys.title": {"Adgangsnøgler", "Passkeys"},
	"passkeys.intro": {"Med en adgangsnøgle logger du ind med din telefon, computer eller sikkerhedsnøgle i stedet for et link i en mail.",
		"With a passkey you sign in with your phone, computer or security key instead of a link in a mail."},
	"passkeys.required": {"Din organisation kræver adgangsnøgler. Registrér en for at fortsætte.",
		"Your organisation requires passkeys. Register one to continue."},
	"passkeys.none":     {"Du har ingen adgangsnøgler endnu.", "You have no passkeys yet."},
	"passkeys.created":  {"Oprettet", "Created"},
	"passkeys.register": {"Registrér en adgangsnøgle", "Register a passkey"},
	"passkey.registered": {"Adgangsnøglen er registreret. Næste gang kan du logge ind med den.",
		"The passkey is registered. Next time you can sign in with it."},
	"passkey.failed":     {"Det lykkedes ikke. Prøv igen.", "That did not work. Please try again."},
	"passkey.nojs.title": {"Adgangsnøgler kræver JavaScript", "Passkeys need JavaScript"},
	"passkey.nojs.body": {"Slå JavaScript til for at bruge en adgangsnøgle, eller log ind med et link i en mail.",
		"Turn on JavaScript to use a passkey, or sign in with a link in a mail."},
}
