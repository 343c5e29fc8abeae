package scim_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/scim"
)

// benchCPRs counts the CPR numbers BenchmarkCreateUserWithCPR has used in
// this process, so that each is new: the fixture's table lives as long.
var benchCPRs atomic.Int64

// nextCPR returns a valid CPR number no earlier call returned (134 million
// of them: 28 days, 12 months, 100 years, sequence 0000-3999).
func nextCPR() string {
	i := benchCPRs.Add(1)
	return fmt.Sprintf("%02d%02d%02d%04d", 1+i%28, 1+(i/28)%12, (i/336)%100, (i/33600)%4000)
}

// BenchmarkCreateUserWithCPR is BenchmarkCreateUser with a CPR number: the
// handler seals it (HPKE to the ring's public key: two X25519 operations)
// and guards its look-up hash; the raw transaction (rawCreate) writes a
// copy of the same size and the guard.
func BenchmarkCreateUserWithCPR(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["1k"]
	handler := func() {
		name := uuid.NewString() + "@example.dk"
		f.serve(b, o.token, "POST", scim.Prefix+"/Users", `{"userName":"`+name+`","externalId":"`+uuid.NewString()+`","name":{"givenName":"Anna","familyName":"Hansen"},"emails":[{"value":"`+name+`","type":"work","primary":true}],"active":true,`+
			`"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User":{"cpr":"`+nextCPR()+`"}}`)
	}
	raw := func() { f.rawCreate(b, o, true) }
	warm(30, handler, raw)
	pair(b, handler, raw)
}
