package csvfile

import "testing"

func TestFieldByName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want Field // 0 for unknown
	}{
		{"Aktion", FieldAction},
		{"ACTION", FieldAction},
		{" aktion ", FieldAction},
		{"UUID", FieldUUID},
		{"First name", FieldFirstName},
		{"Firstname", FieldFirstName},
		{"first_name", FieldFirstName},
		{"Surname", FieldLastName},
		{"Last name", FieldLastName},
		{"CPR", FieldCPR},
		{"CPR number", FieldCPR},
		{"CPR-nummer", FieldCPR},
		{"Foedselsdato", FieldDateOfBirth},
		{"Fødselsdato", FieldDateOfBirth},
		{"FØDSELSDATO", FieldDateOfBirth},
		{"Date of birth", FieldDateOfBirth},
		{"Birthdate", FieldDateOfBirth},
		{"E-mail", FieldEmail},
		{"Email", FieldEmail},
		{"e_mail", FieldEmail},
		{"Telefon", FieldPhone},
		{"Phone", FieldPhone},
		{"Telephone", FieldPhone},
		{"Anonymous", FieldAnonymous},
		{"Reference text", FieldReferenceText},
		{"Referencetekst", FieldReferenceText},
		{"TargetIAL", FieldTargetIAL},
		{"Target IAL", FieldTargetIAL},
		{"EAN", FieldEAN},
		{"P-nummer", FieldPNumber},
		{"P number", FieldPNumber},
		{"P-number", FieldPNumber},
		{"SE-nummer", FieldSENumber},
		{"SE number", FieldSENumber},
		{"Loginmiddel", FieldLoginMeans},
		{"Login means", FieldLoginMeans},
		{"\ufeffAktion", FieldAction}, // a second byte order mark
		{"Aktion\u00a0", FieldAction}, // no-break space
		{"Mobil", 0},
		{"Navn", 0},
		{"Fodselsdato", 0}, // ø is oe, not o
		{"", 0},
	}
	for _, tc := range tests {
		got, ok := fieldByName(tc.name)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("fieldByName(%q) = %v, %v; want %v", tc.name, got, ok, tc.want)
		}
	}
}

func TestTemplateMapsEveryField(t *testing.T) {
	t.Parallel()
	h := newHeader("da")
	if err := h.mapHeader(splitTemplate(), 1); err != nil {
		t.Fatal(err)
	}
	for f := FieldAction; f <= FieldLoginMeans; f++ {
		if h.at[f] != int(f)-1 || h.names[f] != f.String() {
			t.Errorf("%v at column %d named %q, want %d", f, h.at[f], h.names[f], f-1)
		}
	}
}

func splitTemplate() []string {
	var cells []string
	start := 0
	for i := 0; i <= len(Template); i++ {
		if i == len(Template) || Template[i] == ';' {
			cells = append(cells, Template[start:i])
			start = i + 1
		}
	}
	return cells
}

func TestHeaderOptionalColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		err    string
		column string
	}{
		// Only the columns a C row needs are required.
		{"Aktion;Fornavn;Efternavn;Email;TargetIAL;CPR", "", ""},
		{"Aktion;Fornavn;Efternavn;Email;TargetIAL;Foedselsdato", "", ""},
		{"Fornavn;Efternavn;Email;TargetIAL;CPR", CodeHeaderMissing, "Aktion"},
		{"Aktion;UUID", CodeHeaderMissing, "Fornavn"},
		{"Aktion;Fornavn;Efternavn;Email;TargetIAL", CodeHeaderMissing, "CPR"},
		{"Aktion;Fornavn;Efternavn;Email;TargetIAL;CPR;Action", CodeHeaderDuplicate, "Action"},
		{"Aktion;Fornavn;Efternavn;Email;TargetIAL;CPR;" + "Kommentar", CodeHeaderUnknown, "Kommentar"},
	}
	for _, tc := range tests {
		_, _, err := readAll(stringsReader(tc.header+"\n"), Options{})
		if tc.err == "" {
			if err != nil {
				t.Errorf("header %q: %v", tc.header, err)
			}
			continue
		}
		fe, ok := err.(*FileError)
		if !ok || fe.Code != tc.err || fe.Column != tc.column {
			t.Errorf("header %q: error %v, want %s for %q", tc.header, err, tc.err, tc.column)
		}
	}
}

func TestColumnNameHidesDigits(t *testing.T) {
	t.Parallel()
	plain, quoted := columnName("en", "0101901234", 4)
	if plain != "no. 5" || quoted != "no. 5" {
		t.Errorf("columnName = %q, %q; want the position", plain, quoted)
	}
	plain, quoted = columnName("da", "Mobil", 4)
	if plain != "Mobil" || quoted != `"Mobil"` {
		t.Errorf("columnName = %q, %q; want the name", plain, quoted)
	}
}
