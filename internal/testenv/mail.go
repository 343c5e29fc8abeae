package testenv

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// SentMail is one message the SES v2 emulator took, as its store lists it.
type SentMail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	Headers []MailHeader `json:"headers"`
}

// MailHeader is a header of a SentMail.
type MailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MailTo lists the messages the SES emulator has taken for address
// (compared without case), oldest first. The emulator is shared by every
// test of a run, so a test reads only its own addresses.
func MailTo(t testing.TB, address string) []SentMail {
	t.Helper()
	storeURL := os.Getenv("TILGANG_MAIL_STORE_URL")
	if storeURL == "" {
		t.Fatal("testenv: TILGANG_MAIL_STORE_URL is not set: no local stack; call testenv.Main from TestMain")
	}
	resp, err := http.Get(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Emails []SentMail }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("testenv: SES emulator store: %v", err)
	}
	var out []SentMail
	for _, m := range body.Emails {
		for _, to := range m.Destination.To {
			if strings.EqualFold(to, address) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}
