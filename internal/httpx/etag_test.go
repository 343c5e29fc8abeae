package httpx

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestVersionETag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		version int64
		want    string
	}{{1, `W/"1"`}, {42, `W/"42"`}, {0, `W/"0"`}} {
		if got := VersionETag(tt.version).String(); got != tt.want {
			t.Errorf("VersionETag(%d) = %s, want %s", tt.version, got, tt.want)
		}
	}
	if got := (ETag{Opaque: "xyzzy"}).String(); got != `"xyzzy"` {
		t.Errorf("strong tag = %s", got)
	}
}

func TestParseETagList(t *testing.T) {
	t.Parallel()
	w := func(s string) ETag { return ETag{Opaque: s, Weak: true} }
	s := func(s string) ETag { return ETag{Opaque: s} }
	tests := []struct {
		field string
		tags  []ETag
		star  bool
		bad   bool
	}{
		{field: `W/"1"`, tags: []ETag{w("1")}},
		{field: `"xyzzy"`, tags: []ETag{s("xyzzy")}},
		{field: `""`, tags: []ETag{s("")}},
		{field: `W/""`, tags: []ETag{w("")}},
		{field: `"xyzzy", "r2d2xxxx", "c3piozzzz"`, tags: []ETag{s("xyzzy"), s("r2d2xxxx"), s("c3piozzzz")}},
		{field: "W/\"1\"\t,W/\"2\"  ", tags: []ETag{w("1"), w("2")}},
		{field: `, ,W/"1",,`, tags: []ETag{w("1")}},
		{field: `"a,b", W/"c"`, tags: []ETag{s("a,b"), w("c")}},    // a comma is an etagc
		{field: "\"caf\xc3\xa9\"", tags: []ETag{s("caf\xc3\xa9")}}, // obs-text
		{field: `*`, star: true},
		{field: ` * `, star: true},
		{field: ``},
		{field: `1`, bad: true},                  // unquoted
		{field: `W/1`, bad: true},                // unquoted
		{field: `w/"1"`, bad: true},              // W/ is case-sensitive
		{field: `W/ "1"`, bad: true},             // no space after W/
		{field: `"1`, bad: true},                 // unterminated
		{field: `"1"x`, bad: true},               // junk after a tag
		{field: `"1" "2"`, bad: true},            // no comma
		{field: `"a b"`, bad: true},              // SP is no etagc
		{field: "\"a\x7fb\"", bad: true},         // nor DEL
		{field: "\"a\x00b\"", bad: true},         // nor a control
		{field: `*, W/"1"`, bad: true},           // "*" stands alone
		{field: `W/"1", *`, bad: true},           // "*" stands alone
		{field: `**`, bad: true},                 // one star
		{field: `*,*`, bad: true},                // one star
		{field: `W/"1"; W/"2"`, bad: true},       // not a list separator
		{field: `W/"1"` + "\n", bad: true},       // not OWS
		{field: `"\"1\""`, tags: nil, bad: true}, // no escapes in a tag
	}
	for _, tt := range tests {
		tags, star, err := parseETagList(tt.field)
		if (err != nil) != tt.bad {
			t.Errorf("%q: error %v, want bad=%v", tt.field, err, tt.bad)
			continue
		}
		if !slices.Equal(tags, tt.tags) || star != tt.star {
			t.Errorf("%q = %v, star %v; want %v, star %v", tt.field, tags, star, tt.tags, tt.star)
		}
	}
}

func TestPreconditions(t *testing.T) {
	t.Parallel()
	v3 := VersionETag(3)
	tests := []struct {
		name        string
		values      []string // field lines; nil: no field
		ifMatch     bool     // IfMatch's answer with these as If-Match
		ifNoneMatch bool     // IfNoneMatch's answer with these as If-None-Match
	}{
		{"no field", nil, true, true},
		{"empty field", []string{""}, true, true},
		{"only empty elements", []string{" , "}, true, true},
		{"the weak tag", []string{`W/"3"`}, true, false},
		{"the strong form of it", []string{`"3"`}, true, false},
		{"another version", []string{`W/"2"`}, false, true},
		{"a prefix of the version", []string{`W/"33"`}, false, true},
		{"in a list", []string{`W/"1", W/"3"`}, true, false},
		{"over two field lines", []string{`W/"1"`, `W/"3"`}, true, false},
		{"star", []string{`*`}, true, false},
		{"unquoted", []string{`3`}, false, true},
		{"malformed list with the tag", []string{`W/"3" junk`}, false, true},
		{"star mixed into a list", []string{`*`, `W/"2"`}, false, true},
	}
	for _, tt := range tests {
		h := func(name string) http.Header {
			h := http.Header{}
			for _, v := range tt.values {
				h.Add(name, v)
			}
			return h
		}
		if got := IfMatch(h("If-Match"), v3); got != tt.ifMatch {
			t.Errorf("%s: IfMatch = %v, want %v", tt.name, got, tt.ifMatch)
		}
		if got := IfNoneMatch(h("If-None-Match"), v3); got != tt.ifNoneMatch {
			t.Errorf("%s: IfNoneMatch = %v, want %v", tt.name, got, tt.ifNoneMatch)
		}
	}
}

// FuzzETagList feeds arbitrary If-Match / If-None-Match values to the
// parser and the preconditions. They must never panic; a list the parser
// accepts must format back to itself; and on a field that says anything,
// If-Match and If-None-Match must give opposite answers.
func FuzzETagList(f *testing.F) {
	for _, seed := range []string{`W/"1"`, `"xyzzy", W/"r2d2"`, `*`, ``, `"a,b"`, `W/"1" junk`, `*, "1"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, field string) {
		tags, star, err := parseETagList(field)
		if err != nil {
			if tags != nil || star {
				t.Fatalf("%q: error %v with a result %v, %v", field, err, tags, star)
			}
		} else {
			formatted := make([]string, len(tags))
			for i, tag := range tags {
				formatted[i] = tag.String()
				one, _, err := parseETagList(formatted[i])
				if err != nil || len(one) != 1 || one[0] != tag {
					t.Fatalf("%q: tag %v formats as %s, which parses as %v, %v", field, tag, formatted[i], one, err)
				}
			}
			again := strings.Join(formatted, ", ")
			if star {
				again = "*"
			}
			back, backStar, err := parseETagList(again)
			if err != nil || !slices.Equal(back, tags) || backStar != star {
				t.Fatalf("%q parses as %v, %v; formatted %q parses as %v, %v, %v", field, tags, star, again, back, backStar, err)
			}
		}
		for _, current := range append([]ETag{VersionETag(1)}, tags...) {
			im := IfMatch(http.Header{"If-Match": {field}}, current)
			inm := IfNoneMatch(http.Header{"If-None-Match": {field}}, current)
			if strings.Trim(field, " \t,") == "" {
				if !im || !inm {
					t.Fatalf("%q: an empty field is a condition (%v, %v)", field, im, inm)
				}
				continue
			}
			if im == inm {
				t.Fatalf("%q on %v: If-Match %v and If-None-Match %v agree", field, current, im, inm)
			}
			if err == nil && slices.Contains(tags, current) && !im {
				t.Fatalf("%q lists %v but If-Match does not match it", field, current)
			}
		}
	})
}
