package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/session"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// The import pages (SPEC §6, §12; user-admins, as in the admin API): the
// list, the upload form, which posts the file straight to the bucket
// through a presigned POST (no JavaScript; S3 sends the browser back to the
// import's page), the import's page, which refreshes itself while the file
// is read and then shows the receipt as a table with what to fix, and the
// imported users' bulk activation with a result per user.

func (c *Console) importRoutes(route routeFunc) {
	route("GET "+Prefix+"/imports", tilgang.RoleUserAdmin, c.listImports)
	route("GET "+Prefix+"/imports/new", tilgang.RoleUserAdmin, c.uploadForm)
	route("GET "+Prefix+"/imports/activate", tilgang.RoleUserAdmin, c.importedUsers)
	route("POST "+Prefix+"/imports/activate", tilgang.RoleUserAdmin, c.activateImported)
	route("GET "+Prefix+"/imports/{id}", tilgang.RoleUserAdmin, c.showImport)
	route("GET "+Prefix+"/imports/{id}/receipt.csv", tilgang.RoleUserAdmin, c.importReceipt)
}

// ImportsPageSize is how many imports, receipt rows or imported users a
// page shows.
const ImportsPageSize = 100

// importRefreshSeconds is how often a running import's page reloads.
const importRefreshSeconds = 2

type importsPage struct {
	Rows       []importRow
	Next       string
	Unreadable int
}

type importRow struct {
	ID, File, Status, Uploader, Created           string
	New, Changed, Removed, Failed, Skipped, Total int
}

func (c *Console) listImports(w http.ResponseWriter, q *Request) {
	page, err := c.Imports.List(q.Context(), q.Org, imports.Query{Limit: ImportsPageSize, Cursor: q.URL.Query().Get("cursor")})
	if isKind(err, tilgang.KindInvalid) {
		page, err = c.Imports.List(q.Context(), q.Org, imports.Query{Limit: ImportsPageSize})
	}
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	v := view{Lang: q.Lang}
	p := importsPage{Unreadable: len(page.Unreadable)}
	for _, imp := range page.Imports {
		k := imp.Counts
		p.Rows = append(p.Rows, importRow{ID: imp.ID, File: importFile(imp), Status: q.T("import.status." + string(imp.Status)),
			Uploader: uploaderLabel(imp), Created: v.Time(imp.CreatedAt),
			New: k.Created, Changed: k.Updated, Removed: k.Deleted, Failed: k.Failed, Skipped: k.Skipped, Total: imp.Rows})
	}
	if page.NextCursor != "" {
		p.Next = Prefix + "/imports?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	q.Render(w, http.StatusOK, "imports.html", "imports", q.T("imports.title"), p)
}

func importFile(imp *tilgang.Import) string {
	if imp.File != "" {
		return imp.File
	}
	return imp.ID + ".csv"
}

func uploaderLabel(imp *tilgang.Import) string {
	if imp.UploaderBy != nil {
		return imp.UploaderBy.Label()
	}
	return imp.Uploader
}

type uploadPage struct {
	URL    string
	Fields []formValue
	Max    string
	// NameField is the hidden field the script fills with the chosen
	// file's name, so that the import is named after it.
	NameField string
}

type formValue struct{ Name, Value string }

// uploadForm grants one upload and shows the form that posts the file to
// the bucket. The page may post only there: its policy names the bucket's
// origin besides the console's own.
func (c *Console) uploadForm(w http.ResponseWriter, q *Request) {
	actor := q.Actor()
	g, err := c.Imports.GrantFormUpload(q.Context(), q.Org, imports.FormRequest{
		Redirect:   func(id string) string { return c.link(Prefix + "/imports/" + id) },
		Uploader:   actor.Label(),
		UploaderID: q.Person.ID,
		UploaderBy: &actor.By,
	})
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	p := uploadPage{URL: g.URL, Max: fmt.Sprintf("%d MB", imports.MaxUploadBytes>>20), NameField: imports.FileNameField}
	for _, name := range sortedKeys(g.Fields) {
		p.Fields = append(p.Fields, formValue{Name: name, Value: g.Fields[name]})
	}
	if origin := session.Origin(g.URL); origin != "" {
		w.Header().Set("Content-Security-Policy", strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+origin, 1))
	}
	q.Render(w, http.StatusOK, "upload.html", "upload", q.T("upload.title"), p)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// S3 reads the fields before the file; their order among themselves
	// does not matter, but a stable page is easier to test.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

type importPage struct {
	Imp               *tilgang.Import
	File, Status      string
	Uploader, Created string
	Running           bool
	Done, Total       int
	Reason            string
	Warnings          []string
	Rows              []receiptRow
	Next              string
	Imported          int // users of this import still waiting for activation
}

type receiptRow struct {
	Line           int
	Action, Result string
	UserID         string
	Failed         bool
	Problems       []string
}

func (c *Console) importOf(w http.ResponseWriter, q *Request) (*tilgang.Import, bool) {
	imp, err := c.Imports.Get(q.Context(), q.Org, q.PathValue("id"))
	if err != nil {
		if errors.Is(err, tilgang.ErrImportNotFound) || isKind(err, tilgang.KindNotFound) || isKind(err, tilgang.KindInvalid) {
			c.notFound(w, q.Request)
			return nil, false
		}
		c.serverError(w, q.Request, q.Lang, err)
		return nil, false
	}
	return imp, true
}

// showImport is the import's page: progress while it runs (the page asks
// the browser to load it again every importRefreshSeconds: the Refresh
// header needs no script), then the receipt.
func (c *Console) showImport(w http.ResponseWriter, q *Request) {
	imp, ok := c.importOf(w, q)
	if !ok {
		return
	}
	v := view{Lang: q.Lang}
	p := importPage{Imp: imp, File: importFile(imp), Status: q.T("import.status." + string(imp.Status)), Uploader: uploaderLabel(imp),
		Created: v.Time(imp.CreatedAt), Total: imp.Rows, Reason: imp.Reason}
	p.Running = imp.Status == tilgang.ImportRunning || imp.Status == tilgang.ImportAwaitingUpload
	if imp.NextLine > 1 {
		p.Done = min(imp.NextLine-2, imp.Rows) // NextLine counts the header
	}
	for _, wn := range imp.Warnings {
		p.Warnings = append(p.Warnings, wn.Message)
	}
	if p.Running {
		w.Header().Set("Refresh", strconv.Itoa(importRefreshSeconds))
	}
	if imp.Status != tilgang.ImportAwaitingUpload {
		rows, err := c.Imports.Rows(q.Context(), q.Org, imp.ID, imports.RowQuery{Limit: ImportsPageSize, Cursor: q.URL.Query().Get("cursor")})
		if err != nil && !isKind(err, tilgang.KindInvalid) {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		for _, r := range rows.Rows {
			row := receiptRow{Line: r.Line, Action: r.Action, Result: q.T("import.row." + r.Result), Failed: r.Result == tilgang.RowFailed}
			if r.Result != tilgang.RowDeleted {
				row.UserID = r.UserID
			}
			for _, e := range r.Errors {
				msg := e.Message
				if e.Column != "" {
					msg = e.Column + ": " + msg
				}
				row.Problems = append(row.Problems, msg)
			}
			if r.Result == tilgang.RowCreated && r.UserID != "" {
				p.Imported++
			}
			p.Rows = append(p.Rows, row)
		}
		if rows.NextCursor != "" {
			p.Next = Prefix + "/imports/" + imp.ID + "?" + url.Values{"cursor": {rows.NextCursor}}.Encode()
		}
	}
	q.Render(w, http.StatusOK, "import.html", "import", q.T("import.title", p.File), p)
}

// importReceipt downloads the receipt CSV from the bucket.
func (c *Console) importReceipt(w http.ResponseWriter, q *Request) {
	imp, ok := c.importOf(w, q)
	if !ok {
		return
	}
	body, err := c.Imports.Receipt(q.Context(), q.Org, imp.ID, "csv")
	if err != nil {
		if isKind(err, tilgang.KindNotFound) || isKind(err, tilgang.KindState) || isKind(err, tilgang.KindGone) {
			c.notFound(w, q.Request)
			return
		}
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	defer body.Close()
	file := importFile(imp)
	if ext := path.Ext(file); strings.EqualFold(ext, ".csv") {
		file = strings.TrimSuffix(file, ext)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(file+"-receipt.csv"))
	_, _ = io.Copy(w, body)
}

// attachment is the Content-Disposition of a download named name: an
// ASCII filename every browser takes, and where the name is not ASCII the
// name itself as filename* (RFC 6266, RFC 8187), which browsers prefer, so
// "medarbejdere-æøå.csv" downloads as that and not as
// "medarbejdere-___.csv".
func attachment(name string) string {
	ascii := strings.Map(safeFileRune, name)
	if ascii == name {
		return `attachment; filename="` + ascii + `"`
	}
	var b strings.Builder
	b.WriteString(`attachment; filename="` + ascii + `"; filename*=UTF-8''`)
	for i := 0; i < len(name); i++ {
		if c := name[i]; isAttrChar(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// isAttrChar: RFC 8187's attr-char, the bytes a filename* value carries
// as they are.
func isAttrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// safeFileRune keeps a download's name to characters every browser takes
// in the header and reads as they are: RFC 6266 advises against '%' in
// filename, which some browsers decode.
func safeFileRune(r rune) rune {
	if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == '%' {
		return '_'
	}
	return r
}

type importedPage struct {
	Problem string
	Rows    []importedRow
	Results []bulkRow
	Sent    int
	Next    string
}

type importedRow struct {
	ID, Name, Email, Identity string
	Checked                   bool
}

type bulkRow struct {
	ID, Name, Result string
	OK               bool
}

// importedUsers lists the users imported and not yet sent an activation,
// to activate in bulk (SPEC §6 seed step).
func (c *Console) importedUsers(w http.ResponseWriter, q *Request) {
	p, err := c.importedPage(q, importedPage{})
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, http.StatusOK, "imported.html", "imported", q.T("imported.title"), p)
}

func (c *Console) importedPage(q *Request, p importedPage) (importedPage, error) {
	page, err := c.Users.List(q.Context(), q.Org, tilgang.UserQuery{Status: tilgang.StatusImported, Limit: ImportsPageSize, Cursor: q.URL.Query().Get("cursor")})
	if isKind(err, tilgang.KindInvalid) {
		page, err = c.Users.List(q.Context(), q.Org, tilgang.UserQuery{Status: tilgang.StatusImported, Limit: ImportsPageSize})
	}
	if err != nil {
		return p, err
	}
	for _, u := range page.Users {
		id := q.T("user.identity.dob")
		if !u.CPR.IsZero() {
			id = q.T("user.identity.cpr")
		}
		p.Rows = append(p.Rows, importedRow{ID: u.ID, Name: displayName(u), Email: u.Email, Identity: id, Checked: !u.CPR.IsZero()})
	}
	if page.NextCursor != "" {
		p.Next = Prefix + "/imports/activate?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	return p, nil
}

// activateImported sends the activation to the users ticked, and shows a
// result per user above what is left.
func (c *Console) activateImported(w http.ResponseWriter, q *Request) {
	ids := q.PostForm["user"]
	p := importedPage{}
	status := http.StatusOK
	if len(ids) == 0 {
		p.Results = nil
		status = http.StatusUnprocessableEntity
	} else {
		refund, err := c.spendMail(q, len(ids))
		if text, spent := budgetText(q, err); spent {
			p.Problem = text
			if p, err = c.importedPage(q, p); err != nil {
				c.serverError(w, q.Request, q.Lang, err)
				return
			}
			q.Render(w, http.StatusTooManyRequests, "imported.html", "imported", q.T("imported.title"), p)
			return
		} else if err != nil {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		results, err := c.Activity.BulkActivate(q.Context(), q.Actor(), q.Org, ids)
		if err != nil {
			var te *tilgang.Error
			if !errors.As(err, &te) {
				c.serverError(w, q.Request, q.Lang, err)
				return
			}
			results = nil
			for _, id := range ids {
				results = append(results, users.BulkResult{UserID: id, Err: te})
			}
		}
		for _, r := range results {
			row := bulkRow{ID: r.UserID, Name: r.UserID, OK: r.Err == nil}
			if u, err := c.Users.Get(q.Context(), q.Org, r.UserID); err == nil {
				row.Name = displayName(u)
			}
			var te *tilgang.Error
			switch {
			case r.Err == nil:
				row.Result = q.T("imported.sent")
				p.Sent++
			case errors.As(r.Err, &te):
				row.Result = problemText(q.Lang, te)
			default:
				row.Result = q.T("invite.failed")
			}
			p.Results = append(p.Results, row)
		}
		refund(len(ids) - p.Sent)
	}
	p, err := c.importedPage(q, p)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, status, "imported.html", "imported", q.T("imported.title"), p)
}
