package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
)

// addressLike matches a run of characters around an "@": anything that
// might be an e-mail address, and more. Erring towards redaction is right
// here: the mailer's log is for operators, who need codes and ids, never
// addresses (SPEC §14).
var addressLike = regexp.MustCompile(`[^\s"'<>()\[\]{},;]*@[^\s"'<>()\[\]{},;]*`)

// redacted stands for an address that was removed.
const redacted = "<address>"

// Redact returns s with everything that looks like an e-mail address
// replaced by "<address>": the result holds no "@".
func Redact(s string) string {
	return addressLike.ReplaceAllLiteralString(s, redacted)
}

// codeLike is what an SES error code looks like ("MessageRejected",
// "TooManyRequestsException"). An error code is taken from the answer's
// X-Amzn-ErrorType header or body as it came, so one that looks like
// anything else (an address, a sentence) is not kept.
var codeLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{0,63}$`)

// redactedError is an error whose text is redacted; errors.Is and As
// still see the cause.
type redactedError struct{ err error }

func (e redactedError) Error() string { return Redact(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }

// redactErr returns err with its text redacted, nil for nil.
func redactErr(err error) error {
	if err == nil {
		return nil
	}
	var r redactedError
	if errors.As(err, &r) && r.err == err {
		return err
	}
	return redactedError{err}
}

// redactingHandler redacts addresses in every message and attribute that
// the mailer logs: its errors come from SES, DynamoDB and the look-ups,
// and any of them may quote an address. It is the last line; the mailer
// also keeps only codes of SES errors (errorCode).
type redactingHandler struct{ next slog.Handler }

func redacting(h slog.Handler) slog.Handler {
	if _, ok := h.(redactingHandler); ok {
		return h
	}
	return redactingHandler{h}
}

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return redactingHandler{h.next.WithAttrs(clean)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(Redact(a.Key), Redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = redactAttr(g)
		}
		return slog.Group(Redact(a.Key), clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.Any(Redact(a.Key), redactErr(x))
		default:
			return slog.String(Redact(a.Key), Redact(fmt.Sprint(x)))
		}
	}
	return slog.Attr{Key: Redact(a.Key), Value: v}
}
