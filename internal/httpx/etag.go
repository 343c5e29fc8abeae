package httpx

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ETag is an entity tag (RFC 9110 §8.8.3): an opaque string that names one
// version of a resource. A weak tag names the version by meaning, not by
// the bytes of one representation. The zero value is the strong tag "".
type ETag struct {
	Opaque string // the characters between the quotes
	Weak   bool
}

// String formats t as it goes into an ETag field: W/"7" or "7".
func (t ETag) String() string {
	if t.Weak {
		return `W/"` + t.Opaque + `"`
	}
	return `"` + t.Opaque + `"`
}

// VersionETag is the entity tag of a resource at version: weak, as it names
// the stored version, whose JSON may be written in more than one way (and
// projected by SCIM's attributes parameter). SCIM's meta.version is the
// same string (RFC 7644 §3.14).
func VersionETag(version int64) ETag {
	return ETag{Opaque: strconv.FormatInt(version, 10), Weak: true}
}

// IfMatch evaluates the If-Match precondition of a request with header h on
// a resource whose entity tag is now current (RFC 9110 §13.1.1), and
// reports whether the request may go on; false means 412 Precondition
// Failed. It holds when there is no If-Match (or only an empty one), when it
// is "*" (the caller found the resource), or when one of its tags matches
// current.
//
// Tags compare weakly, weak and strong forms alike, although RFC 9110 asks
// for strong comparison here: our tags are weak (VersionETag), SCIM clients
// send the meta.version they read (RFC 7644 §3.14), and a version names
// exactly one stored state, so W/"7" and "7" mean the same. A malformed
// field matches nothing.
func IfMatch(h http.Header, current ETag) bool {
	field, ok := headerList(h, "If-Match")
	return !ok || matches(field, current)
}

// IfNoneMatch evaluates the If-None-Match precondition of a request with
// header h on a resource whose entity tag is now current (RFC 9110
// §13.1.2), and reports whether the request may go on. It is false when the
// field is "*" or lists a tag that matches current by weak comparison: a
// GET then answers 304 Not Modified. A malformed field matches nothing.
func IfNoneMatch(h http.Header, current ETag) bool {
	field, ok := headerList(h, "If-None-Match")
	return !ok || !matches(field, current)
}

// headerList joins the lines of a list-valued field (RFC 9110 §5.3); ok is
// false when the request has none, or only empty ones.
func headerList(h http.Header, name string) (field string, ok bool) {
	field = strings.Join(h.Values(name), ",")
	return field, strings.Trim(field, " \t,") != ""
}

// matches reports whether the If-Match or If-None-Match value field names
// current: it is "*", or lists a tag with current's opaque string.
func matches(field string, current ETag) bool {
	tags, star, err := parseETagList(field)
	if err != nil {
		return false
	}
	if star {
		return true
	}
	for _, t := range tags {
		if t.Opaque == current.Opaque {
			return true
		}
	}
	return false
}

var errMalformedETags = errors.New("httpx: malformed entity-tag list")

// parseETagList parses the value of If-Match or If-None-Match:
//
//	"*" / #entity-tag
//	entity-tag = [ %s"W/" ] DQUOTE *etagc DQUOTE
//	etagc      = %x21 / %x23-7E / %x80-FF
//
// A list separates its elements by commas with optional white space around
// them, and may hold empty elements (RFC 9110 §5.6.1). A quoted tag may
// hold a comma, so the list is scanned, not split. star reports "*".
func parseETagList(field string) (tags []ETag, star bool, err error) {
	s := field
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		if s[0] == ',' { // an empty element
			s = s[1:]
			continue
		}
		if s[0] == '*' {
			if star || len(tags) > 0 {
				return nil, false, errMalformedETags
			}
			star, s = true, s[1:]
		} else {
			var t ETag
			if t, s, err = parseETag(s); err != nil {
				return nil, false, err
			}
			if star {
				return nil, false, errMalformedETags
			}
			tags = append(tags, t)
		}
		s = strings.TrimLeft(s, " \t")
		if s != "" && s[0] != ',' {
			return nil, false, errMalformedETags
		}
	}
	return tags, star, nil
}

// parseETag parses the entity tag at the start of s and returns the rest.
func parseETag(s string) (ETag, string, error) {
	var t ETag
	if strings.HasPrefix(s, "W/") {
		t.Weak, s = true, s[2:]
	}
	if s == "" || s[0] != '"' {
		return ETag{}, "", errMalformedETags
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			t.Opaque = s[1:i]
			return t, s[i+1:], nil
		case c < 0x21 || c == 0x7f:
			return ETag{}, "", errMalformedETags
		}
	}
	return ETag{}, "", errMalformedETags // no closing quote
}
