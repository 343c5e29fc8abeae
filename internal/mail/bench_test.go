package mail_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// A benchmark op is one stream batch of benchBatch outbox records, as the
// event source mapping delivers them, and the mailer sends with
// benchWorkers workers; the raw halves send from as many goroutines.
const (
	benchBatch   = 100
	benchWorkers = 16
)

// benchTable is the table that the benchmarks of a process share, each run
// with an organisation of its own. In one DynamoDB Local process every new
// table is slower than the ones before it (creating 400 users took 3 s in
// the first table and 27 s in the fifth), so a table per run would measure
// how many runs came before it rather than the mailer. The table is not
// deleted: the stack goes when the benchmarks end.
var benchTable = sync.OnceValues(func() (string, error) {
	cfg, err := testenv.Config()
	if err != nil {
		return "", err
	}
	name := "bench-mail-" + strings.ToLower(rand.Text()[:12])
	return name, store.New(dynamodb.NewFromConfig(cfg), name).CreateTable(context.Background())
})

// benchEnv is an env in the shared benchmark table.
func benchEnv(b *testing.B) *env {
	b.Helper()
	table, err := benchTable()
	if err != nil {
		b.Fatal(err)
	}
	return newEnvIn(b, dynamodb.NewFromConfig(testenv.AWS(b)), table, "da")
}

// BenchmarkSend compares the mailer with the bare SendEmail calls it wraps,
// against the same SES emulator, with no rate limit. The mailer's op is one
// Handle call on a batch of benchBatch fresh records: claim, read the items
// and their users (the organisation is cached), render, send, mark sent.
// The raw op is benchBatch SendEmail calls of a message like the mailer's
// from benchWorkers goroutines. make bench reports mailer/raw
// (infra/benchratio). Locally the mailer's op costs what its DynamoDB
// calls cost, which BenchmarkDeliver shows: DynamoDB Local writes the
// items of a transaction one after another, each slower than a send to the
// SES emulator.
func BenchmarkSend(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		ses := sesv2.NewFromConfig(testenv.AWS(b))
		in := rawInput(b)
		send := func(int) error {
			_, err := ses.SendEmail(context.Background(), in)
			return err
		}
		inParallel(b, benchBatch, send) // warm up, as the mailer does
		b.ResetTimer()
		for range b.N {
			inParallel(b, benchBatch, send)
		}
	})
	b.Run("mailer", benchmarkMailer)
}

// BenchmarkDeliver compares a batch's delivery with the bare SDK calls it
// makes, benchBatch records per op: claim (TransactWriteItems), the items
// and the users (TransactGetItems, at once), SendEmail from benchWorkers
// goroutines, mark sent (TransactWriteItems). It measures what the mailer
// adds to its round trips: the checks, the rendering, the bookkeeping in
// Go, and how well it overlaps them.
func BenchmarkDeliver(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		e := benchEnv(b)
		recs := e.records(createUsers(b, e, (b.N+1)*benchBatch))
		ses := sesv2.NewFromConfig(e.cfg)
		in := rawInput(b)
		for i := range b.N + 1 {
			if i == 1 { // the first batch warms up, as the mailer's does
				b.ResetTimer()
			}
			if err := rawDelivery(b, e, recs[i*benchBatch:(i+1)*benchBatch], ses, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mailer", benchmarkMailer)
}

// benchmarkMailer is the mailer's half of both benchmarks. Its first
// batch is not timed: it opens the connections and fills the
// organisation cache, which a Lambda instance does once.
func benchmarkMailer(b *testing.B) {
	e := benchEnv(b)
	recs := e.records(createUsers(b, e, (b.N+1)*benchBatch))
	m := e.mailer(func(p *mailerParts) { p.cfg.Workers = benchWorkers })
	for i := range b.N + 1 {
		if i == 1 {
			b.ResetTimer()
		}
		if n := handle(b, context.Background(), m, batch(recs[i*benchBatch:(i+1)*benchBatch]...)); n != 0 {
			b.Fatalf("%d records failed", n)
		}
	}
}

// inParallel runs f(0) … f(n-1) from benchWorkers goroutines.
func inParallel(b *testing.B, n int, f func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchWorkers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := f(i); err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// rawDelivery makes the SDK calls of one batch's delivery by hand.
func rawDelivery(b *testing.B, e *env, recs []events.DynamoDBEventRecord, ses *sesv2.Client, in *sesv2.SendEmailInput) error {
	ctx := context.Background()
	s := func(v string) dbtypes.AttributeValue { return &dbtypes.AttributeValueMemberS{Value: v} }
	update := func(id, cond, expr string, values map[string]dbtypes.AttributeValue) dbtypes.TransactWriteItem {
		return dbtypes.TransactWriteItem{Update: &dbtypes.Update{
			TableName: aws.String(e.table), Key: outboxKey(id),
			ConditionExpression: aws.String(cond), UpdateExpression: aws.String(expr),
			ExpressionAttributeNames:  map[string]string{"#st": "status", "#cl": "claim"},
			ExpressionAttributeValues: values,
		}}
	}
	var claims, marks []dbtypes.TransactWriteItem
	var outbox, users []dbtypes.TransactGetItem
	for _, r := range recs {
		img := r.Change.NewImage
		id := img["id"].String()
		claims = append(claims, update(id, "attribute_exists(PK) AND attribute_not_exists(#st)", "SET #st = :sending, #cl = :claim",
			map[string]dbtypes.AttributeValue{":sending": s("sending"), ":claim": s("c")}))
		marks = append(marks, update(id, "#st = :sending AND #cl = :claim", "SET #st = :sent",
			map[string]dbtypes.AttributeValue{":sending": s("sending"), ":claim": s("c"), ":sent": s("sent")}))
		outbox = append(outbox, dbtypes.TransactGetItem{Get: &dbtypes.Get{TableName: aws.String(e.table), Key: outboxKey(id)}})
		users = append(users, dbtypes.TransactGetItem{Get: &dbtypes.Get{TableName: aws.String(e.table), Key: map[string]dbtypes.AttributeValue{
			"PK": s("ORG#" + img["orgId"].String() + "#USER#" + img["userId"].String()), "SK": s("USER")}}})
	}
	if _, err := e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: claims}); err != nil {
		return err
	}
	var wg sync.WaitGroup
	var errs [2]error
	for k, items := range [][]dbtypes.TransactGetItem{outbox, users} {
		wg.Go(func() { _, errs[k] = e.db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: items}) })
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	inParallel(b, len(recs), func(int) error {
		_, err := ses.SendEmail(ctx, in)
		return err
	})
	_, err := e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: marks})
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
