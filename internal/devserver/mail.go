package devserver

import (
	"encoding/json"
	"net/http"
	"time"
)

// sesStore is what the SES v2 emulator answers on GET /store.
type sesStore struct {
	Emails []struct {
		Destination struct {
			To []string `json:"to"`
		} `json:"destination"`
		Subject string `json:"subject"`
		Body    struct {
			Text string `json:"text"`
			HTML string `json:"html"`
		} `json:"body"`
		At int64 `json:"at"` // seconds since the epoch
	} `json:"emails"`
}

// sentMail is one message as SPEC §11's mail.url lists it.
type sentMail struct {
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	SentAt  time.Time `json:"sentAt"`
}

// mailView answers with the messages the SES emulator has taken, in the
// documented shape rather than the emulator's own.
func mailView(storeURL string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(storeURL)
		if err != nil {
			http.Error(w, "SES emulator not reachable: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var st sesStore
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			http.Error(w, "SES emulator answered something unexpected: "+err.Error(), http.StatusBadGateway)
			return
		}
		out := make([]sentMail, 0, len(st.Emails))
		for _, e := range st.Emails {
			out = append(out, sentMail{To: e.Destination.To, Subject: e.Subject, Text: e.Body.Text, HTML: e.Body.HTML, SentAt: time.Unix(e.At, 0).UTC()})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}
