package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// The organisation's history (SPEC §4, §12): who did what to which user,
// filtered by the kind of actor, a user, dates and text. It names people,
// tokens, SCIM clients and imports with their uploader (issue 16, point 5).

func (c *Console) historyRoutes(route routeFunc) {
	route("GET "+Prefix+"/history", tilgang.RoleUserAdmin, c.orgHistory)
}

// HistoryPageSize is how many entries a page of the history shows.
const HistoryPageSize = 100

type historyPage struct {
	Actor, User, From, To, Text string
	Actors                      []option
	Rows                        []orgHistoryRow
	Problem                     string
	Next                        string
}

type orgHistoryRow struct {
	At, Actor, Kind, Action, Fields, UserID string
	Unreadable                              bool
}

func (c *Console) orgHistory(w http.ResponseWriter, q *Request) {
	v := q.URL.Query()
	p := historyPage{Actor: v.Get("actor"), User: strings.TrimSpace(v.Get("user")), From: strings.TrimSpace(v.Get("from")),
		To: strings.TrimSpace(v.Get("to")), Text: strings.TrimSpace(v.Get("q"))}
	if !slices.Contains(tilgang.ActorKinds, p.Actor) {
		p.Actor = ""
	}
	p.Actors = []option{{Value: "", Label: q.T("filter.all")}}
	for _, k := range tilgang.ActorKinds {
		p.Actors = append(p.Actors, option{Value: k, Label: q.T("actor." + k), Selected: k == p.Actor})
	}
	hq := users.HistoryQuery{From: p.From, To: p.To, Text: p.Text, ActorKind: p.Actor, Limit: HistoryPageSize, Cursor: v.Get("cursor")}
	var page tilgang.HistoryPage
	var err error
	if p.User != "" {
		hq.Cursor = ""
		page, err = c.Users.History(q.Context(), q.Org, p.User, hq)
	} else {
		page, err = c.Activity.OrgHistory(q.Context(), q.Org, hq)
	}
	status := http.StatusOK
	if err != nil {
		var texts []string
		for _, pr := range tilgang.Problems(err) {
			texts = append(texts, problemText(q.Lang, pr))
		}
		switch {
		case isKind(err, tilgang.KindNotFound):
			texts = []string{q.T("orghistory.nouser")}
		case len(texts) == 0:
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		p.Problem, status = strings.Join(texts, " "), http.StatusUnprocessableEntity
	}
	vw := view{Lang: q.Lang}
	for _, e := range page.Entries {
		by := tilgang.ActorOf(e.Activity)
		p.Rows = append(p.Rows, orgHistoryRow{At: vw.Time(e.At), Actor: actorText(q, by), Kind: q.T("actor." + by.Kind),
			Action: e.Action, Fields: strings.Join(e.Fields, ", "), UserID: cmpOr(e.UserID, p.User), Unreadable: e.Unreadable})
	}
	if page.NextCursor != "" {
		next := url.Values{}
		for k, val := range map[string]string{"actor": p.Actor, "user": p.User, "from": p.From, "to": p.To, "q": p.Text} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("cursor", page.NextCursor)
		p.Next = Prefix + "/history?" + next.Encode()
	}
	q.Render(w, status, "orghistory.html", "history", q.T("orghistory.title"), p)
}

// actorText names an actor in a line: a person by name and e-mail, a
// token or SCIM client by name, a CSV row by its file and uploader.
func actorText(q *Request, b tilgang.By) string {
	switch b.Kind {
	case tilgang.ActorImport:
		s := q.T("actor.import.file", cmpOr(b.File, b.ID))
		if b.Uploader != nil {
			s += " " + q.T("actor.import.by", b.Uploader.Label())
		}
		return s
	case tilgang.ActorUser:
		return q.T("actor.user")
	}
	return b.Label()
}
