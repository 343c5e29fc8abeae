package validate

import (
	"errors"
	"testing"
)

func TestUserName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     error
	}{
		{"ASCII", "max@example.com", nil},
		{"Danish", "søren.ærø", nil},
		{"full-width Latin", "ｍax@example.com", nil},
		{"Greek alone", "Γιώργος", nil},
		{"Cyrillic alone", "дмитрий.иванов", nil},
		{"Cyrillic with ASCII digits and punctuation", "дмитрий_2024@", nil},
		{"Greek with combining marks", "άλφα", nil},
		{"Chinese with Latin", "王max", nil},
		{"Cyrillic e in Latin", "j\u0435ns@example.com", ErrUserNameScripts},
		{"Cyrillic a in Latin", "m\u0430x", ErrUserNameScripts},
		{"Greek omicron in Latin", "b\u03BFb", ErrUserNameScripts},
		{"Greek and Cyrillic", "\u03B1\u0431", ErrUserNameScripts},
		{"micro sign is Greek after NFKC", "µax", ErrUserNameScripts},
		{"zero-width space", "ma\u200Bx", ErrUserNameInvisible},
		{"soft hyphen", "ma\u00ADx", ErrUserNameInvisible},
		{"zero-width joiner", "ma\u200Dx", ErrUserNameInvisible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := UserName(tt.in); !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Errorf("UserName(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}
