package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// MaxBodyBytes is the largest request body the APIs read (1 MiB).
const MaxBodyBytes = 1 << 20

// BodyError says what is wrong with a request body, in terms a client can
// act on. Code is stable; Field names the JSON field, when one is to blame.
type BodyError struct {
	Status  int // 400, 413 or 415
	Code    string
	Field   string
	Message string
}

func (e *BodyError) Error() string { return e.Message }

// ReadBody reads a JSON request body of at most MaxBodyBytes.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		return nil, &BodyError{Status: http.StatusUnsupportedMediaType, Code: "body.media_type", Message: "send the body as JSON"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &BodyError{Status: http.StatusRequestEntityTooLarge, Code: "body.too_large", Message: fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes)}
	}
	if err != nil {
		return nil, &BodyError{Status: http.StatusBadRequest, Code: "body.unreadable", Message: "the body could not be read"}
	}
	return body, nil
}

// Decode decodes one JSON value from body into v, refusing unknown fields
// and trailing data, and explains any error as a *BodyError.
func Decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &BodyError{Status: http.StatusBadRequest, Code: "json.empty", Message: "the body is empty; send a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return explain(err, reflect.TypeOf(v))
	}
	// Anything but the end of the body is trailing data. dec.More would
	// miss a stray "}" or "]", which it takes for the end of a value.
	if _, err := dec.Token(); err != io.EOF {
		return &BodyError{Status: http.StatusBadRequest, Code: "json.trailing_data", Message: "the body holds more than one JSON value"}
	}
	return nil
}

func explain(err error, target reflect.Type) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &BodyError{Status: http.StatusBadRequest, Code: "json.malformed", Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &BodyError{Status: http.StatusBadRequest, Code: "json.malformed", Message: "the JSON ends too early"}
	case errors.As(err, &typ):
		field := jsonPath(target, typ.Field)
		if field == "" {
			return &BodyError{Status: http.StatusBadRequest, Code: "json.type", Message: fmt.Sprintf("expected a JSON %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)}
		}
		return &BodyError{Status: http.StatusBadRequest, Code: "json.type", Field: field,
			Message: fmt.Sprintf("%s must be a JSON %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &BodyError{Status: http.StatusBadRequest, Code: "field.unknown", Field: field, Message: fmt.Sprintf("unknown field %q", field)}
	default:
		return &BodyError{Status: http.StatusBadRequest, Code: "json.malformed", Message: "the body is not valid JSON"}
	}
}

// jsonPath turns the path of an UnmarshalTypeError into the path the
// client wrote. encoding/json puts the Go names of embedded structs in it
// ("editableUser.targetIal"), which the client never saw; they are left out.
func jsonPath(t reflect.Type, path string) string {
	if path == "" {
		return ""
	}
	var out []string
	for seg := range strings.SplitSeq(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			out, t = append(out, seg), nil
			continue
		}
		f, ok := t.FieldByName(seg)
		if ok && f.Anonymous {
			t = f.Type // an embedded struct: not part of the JSON path
			continue
		}
		out = append(out, seg)
		t = fieldType(t, seg)
	}
	return strings.Join(out, ".")
}

// fieldType returns the type of t's field whose JSON name is name, as
// encoding/json finds it (promoted fields included), or nil.
func fieldType(t reflect.Type, name string) reflect.Type {
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name || (tag == "" && f.Name == name) {
			return f.Type
		}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}
