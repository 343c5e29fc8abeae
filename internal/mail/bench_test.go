package mail_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	tilgang "github.com/tilgang/tilgang/internal"
	"github.com/tilgang/tilgang/internal/users"
)

// benchParallelism is how many goroutines per GOMAXPROCS send at once, in
// both halves of BenchmarkSend: a stream with several shards, or a batch
// handled by several workers.
const benchParallelism = 4

// BenchmarkSend compares the mailer with the bare SendEmail calls it wraps,
// against the same SES emulator, one message per op at the same
// concurrency, with no rate limit. The mailer's op is a whole delivery of
// one stream record: claim, organisation (cached) and user reads, render,
// send, mark sent. make bench reports mailer/raw (infra/benchratio).
func BenchmarkSend(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		e := newEnv(b, "da")
		ses := sesv2.NewFromConfig(e.cfg)
		in := rawInput(b)
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := ses.SendEmail(context.Background(), in); err != nil {
					b.Error(err)
				}
			}
		})
	})
	b.Run("mailer", func(b *testing.B) {
		e := newEnv(b, "da")
		recs := e.records(createUsers(b, e, b.N))[:b.N]
		m := e.mailer()
		var next atomic.Int64
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if n := handle(b, context.Background(), m, batch(recs[next.Add(1)-1])); n != 0 {
					b.Errorf("%d records failed", n)
				}
			}
		})
	})
}

// BenchmarkDeliver compares a whole delivery with the bare SDK calls it
// makes, one record per op at the same concurrency as BenchmarkSend: claim
// (UpdateItem), the user (GetItem), SendEmail, mark sent (UpdateItem). It
// measures what the mailer adds to its round trips: the checks, the
// rendering, the bookkeeping in Go.
func BenchmarkDeliver(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		e := newEnv(b, "da")
		recs := e.records(createUsers(b, e, b.N))[:b.N]
		ses := sesv2.NewFromConfig(e.cfg)
		in := rawInput(b)
		var next atomic.Int64
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				img := recs[next.Add(1)-1].Change.NewImage
				if err := rawDelivery(e, img["id"].String(), img["orgId"].String(), img["userId"].String(), ses, in); err != nil {
					b.Error(err)
				}
			}
		})
	})
	b.Run("mailer", func(b *testing.B) {
		e := newEnv(b, "da")
		recs := e.records(createUsers(b, e, b.N))[:b.N]
		m := e.mailer()
		var next atomic.Int64
		b.SetParallelism(benchParallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if n := handle(b, context.Background(), m, batch(recs[next.Add(1)-1])); n != 0 {
					b.Errorf("%d records failed", n)
				}
			}
		})
	})
}

// rawDelivery makes the SDK calls of one delivery by hand.
func rawDelivery(e *env, id, orgID, userID string, ses *sesv2.Client, in *sesv2.SendEmailInput) error {
	ctx := context.Background()
	s := func(v string) dbtypes.AttributeValue { return &dbtypes.AttributeValueMemberS{Value: v} }
	_, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: outboxKey(id),
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(#st)"),
		UpdateExpression:          aws.String("SET #st = :sending, #cl = :claim"),
		ExpressionAttributeNames:  map[string]string{"#st": "status", "#cl": "claim"},
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":sending": s("sending"), ":claim": s("c")},
		ReturnValues:              dbtypes.ReturnValueAllNew,
	})
	if err != nil {
		return err
	}
	if _, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(e.table), ConsistentRead: aws.Bool(true),
		Key: map[string]dbtypes.AttributeValue{"PK": s("ORG#" + orgID + "#USER#" + userID), "SK": s("USER")},
	}); err != nil {
		return err
	}
	out, err := ses.SendEmail(ctx, in)
	if err != nil {
		return err
	}
	_, err = e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: outboxKey(id),
		ConditionExpression:       aws.String("#st = :sending AND #cl = :claim"),
		UpdateExpression:          aws.String("SET #st = :sent, #msg = :msg"),
		ExpressionAttributeNames:  map[string]string{"#st": "status", "#cl": "claim", "#msg": "messageId"},
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":sending": s("sending"), ":claim": s("c"), ":sent": s("sent"), ":msg": s(aws.ToString(out.MessageId))},
	})
	return err
}

// createUsers creates n users with activation (so n outbox items), and
// returns n.
func createUsers(b *testing.B, e *env, n int) int {
	b.Helper()
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for range work {
				_, err := e.users.Create(context.Background(), tilgang.Actor{Name: "bench", Source: "admin"}, e.org, users.NewRequest{
					User: &tilgang.User{FirstName: "Anna", LastName: "Hansen", Email: address()}, Activate: true,
				})
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return n
}

// rawInput is a SendEmail request like the mailer's: the golden Danish
// activation message, both parts and the same header.
func rawInput(b *testing.B) *sesv2.SendEmailInput {
	b.Helper()
	text, err := os.ReadFile("testdata/golden/activation.da.txt")
	if err != nil {
		b.Fatal(err)
	}
	html, err := os.ReadFile("testdata/golden/activation.da.html")
	if err != nil {
		b.Fatal(err)
	}
	subject, body, _ := strings.Cut(strings.TrimPrefix(string(text), "Subject: "), "\n\n")
	content := func(s string) *types.Content {
		return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
	}
	return &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: []string{address()}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: content(subject),
			Body:    &types.Body{Text: content(body), Html: content(string(html))},
			Headers: []types.MessageHeader{{Name: aws.String("Auto-Submitted"), Value: aws.String("auto-generated")}},
		}},
	}
}
