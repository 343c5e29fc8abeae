package scim_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/tilgang"
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
// and guards its look-up hash; the raw transaction writes a copy of the
// same size and the guard.
func BenchmarkCreateUserWithCPR(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["1k"]
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	handler := func() {
		name := uuid.NewString() + "@example.dk"
		f.serve(b, o.token, "POST", scim.Prefix+"/Users", `{"userName":"`+name+`","externalId":"`+uuid.NewString()+`","name":{"givenName":"Anna","familyName":"Hansen"},"emails":[{"value":"`+name+`","type":"work","primary":true}],"active":true,`+
			`"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User":{"cpr":"`+nextCPR()+`"}}`)
	}
	put := func(item map[string]types.AttributeValue, cond bool) types.TransactWriteItem {
		p := &types.Put{TableName: aws.String(f.table), Item: item}
		if cond {
			p.ConditionExpression = aws.String("attribute_not_exists(PK)")
		}
		return types.TransactWriteItem{Put: p}
	}
	raw := func() {
		id, name, ext, lookup := uuid.NewString(), uuid.NewString()+"@example.dk", uuid.NewString(), uuid.NewString()+uuid.NewString()
		sealed := make([]byte, 1+1+7+32+10+16)
		_, _ = rand.Read(sealed)
		user := map[string]types.AttributeValue{
			"PK": s("ORG#" + o.id + "#USER#" + id), "SK": s("USER"), "GSI1PK": s("ORG#" + o.id + "#USERS"), "GSI1SK": s(name),
			"GSI2PK": s("ORG#" + o.id + "#STATUS#pending_activation"), "GSI2SK": s(name), "type": s("user"),
			"id": s(id), "orgId": s(o.id), "userName": s(name), "externalId": s(ext), "email": s(name),
			"cprLookup": s(lookup), "cprSealed": &types.AttributeValueMemberB{Value: sealed},
			"firstName": s("Anna"), "lastName": s("Hansen"), "status": s("pending_activation"), "version": &types.AttributeValueMemberN{Value: "1"},
		}
		_, err := f.db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			put(user, true),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#USERNAME#" + name), "SK": s("GUARD"), "userId": s(id)}, true),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#EXTERNALID#" + ext), "SK": s("GUARD"), "userId": s(id)}, true),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#CPR#" + lookup), "SK": s("GUARD"), "userId": s(id)}, true),
			put(map[string]types.AttributeValue{"PK": s("SCHED#" + tilgang.Today(time.Now().Add(tilgang.ActivationValidity))), "SK": s(o.id + "#" + id + "#expire"),
				"type": s("schedule"), "orgId": s(o.id), "userId": s(id), "work": s("expire")}, false),
			put(map[string]types.AttributeValue{"PK": s("ORG#" + o.id + "#USER#" + id), "SK": s("HIST#" + time.Now().UTC().Format(time.RFC3339Nano)), "action": s("user.created")}, false),
			put(map[string]types.AttributeValue{"PK": s("OUTBOX#" + uuid.NewString()), "SK": s("OUTBOX"), "type": s("outbox"), "userId": s(id)}, true),
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	warm(30, handler, raw)
	pair(b, handler, raw)
}
