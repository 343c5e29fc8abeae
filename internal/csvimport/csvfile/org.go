package csvfile

import (
	"slices"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// CheckAgainst appends to row.Problems what is wrong with a C or U row for
// org: a TargetIAL above the organisation's IAL (ial.range), an EAN, P- or
// SE-number that is not one of its registered numbers (ean.unregistered,
// pnumber.unregistered, senumber.unregistered), a C row without a number of
// a kind the organisation has registered (required), anonymity it does not
// allow (anonymous.value), a reference text it has not enabled
// (field.not_allowed), and PrivatID when it does not allow activation with
// private MitID (loginmeans.value). It checks only values that are valid,
// so a cell gets one problem at most; call it once per row.
//
// Messages are in the language of the Reader the row came from; for a Row
// built by hand, in org.Language.
//
// Whether the user exists, whether UUID and CPR name the same user, and
// whether e-mail or CPR number are taken need the stored users: they are
// the caller's.
func CheckAgainst(row *Row, org *tilgang.Organisation) {
	if row.Action != ActionCreate && row.Action != ActionUpdate {
		return
	}
	for _, p := range row.Problems {
		if p.Code == CodeRowColumns {
			return // its cells were not read: nothing to check
		}
	}
	if row.header == nil {
		row.header = newHeader(language(org.Language))
	}
	create := row.Action == ActionCreate
	if row.TargetIAL != 0 && row.TargetIAL > org.IAL {
		row.add(FieldTargetIAL, CodeIALRange+"/organisation", org.IAL)
	}
	for _, n := range []struct {
		f              Field
		value          string
		registered     []string
		code, required string
	}{
		{FieldEAN, row.EAN, org.EANNumbers, CodeEANUnregistered, CodeRequired + "/ean"},
		{FieldPNumber, row.PNumber, org.PNumbers, CodePNumberUnregistered, CodeRequired + "/pnumber"},
		{FieldSENumber, row.SENumber, org.SENumbers, CodeSENumberUnregistered, CodeRequired + "/senumber"},
	} {
		switch {
		case n.value != "":
			if !slices.Contains(n.registered, n.value) {
				row.add(n.f, n.code)
			}
		case create && !row.Set.Has(n.f) && len(n.registered) > 0:
			row.add(n.f, n.required)
		}
	}
	if create && row.Anonymous != nil && *row.Anonymous && !org.AllowAnonymous {
		row.add(FieldAnonymous, CodeAnonymousValue+"/not_allowed")
	}
	if row.ReferenceText != "" && !org.ReferenceTextEnabled {
		row.add(FieldReferenceText, CodeFieldNotAllowed+"/reference_text")
	}
	if row.LoginMeans == tilgang.LoginMeansPrivateMitID && !org.AllowPrivateMitID {
		row.add(FieldLoginMeans, CodeLoginMeansValue+"/not_allowed")
	}
}
