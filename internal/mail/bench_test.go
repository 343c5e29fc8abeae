package mail_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// A benchmark op is one stream batch of benchBatch outbox records, as the
// event source mapping delivers them, and the mailer sends with
// benchWorkers workers; the raw half sends from as many goroutines.
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

// BenchmarkDeliver compares the mailer with the DynamoDB and SES calls
// that it must make, done with the bare SDK and batched the same way. An
// op is one stream batch of benchBatch fresh records. Both halves claim
// chunks of mail.MaxChunk items one after another, each in one
// TransactWriteItems, and read each chunk's items and users in two
// TransactGetItems at once (the organisation is cached); benchWorkers
// goroutines send the mails with SendEmail while the next chunk is
// claimed; and one marker marks sent, in one TransactWriteItems, all that
// SES took while it wrote the last mark (a lone mail with UpdateItem). The
// conditions and updates are the store's. make bench reports mailer/raw
// (infra/benchratio): what the mailer adds to its calls, such as building
// the requests, reading the answers, rendering the message and making its
// link, and how well it overlaps them.
func BenchmarkDeliver(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		e := benchEnv(b)
		recs := e.records(createUsers(b, e, (b.N+1)*benchBatch))
		raw := &rawMailer{e: e, ses: sesv2.NewFromConfig(e.cfg), in: rawInput(b)}
		for i := range b.N + 1 {
			if i == 1 { // the first batch warms up, as the mailer's does
				b.ResetTimer()
			}
			if err := raw.deliver(recs[i*benchBatch : (i+1)*benchBatch]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mailer", func(b *testing.B) {
		e := benchEnv(b)
		recs := e.records(createUsers(b, e, (b.N+1)*benchBatch))
		m := e.mailer(func(p *mailerParts) { p.cfg.Workers = benchWorkers })
		for i := range b.N + 1 {
			if i == 1 { // the first batch opens the connections and fills the organisation cache
				b.ResetTimer()
			}
			if n := handle(b, context.Background(), m, batch(recs[i*benchBatch:(i+1)*benchBatch]...)); n != 0 {
				b.Fatalf("%d records failed", n)
			}
		}
	})
}

// rawMailer makes the SDK calls of the mailer's delivery by hand.
type rawMailer struct {
	e   *env
	ses *sesv2.Client
	in  *sesv2.SendEmailInput // one message like the mailer's, sent to everyone
}

// deliver delivers recs as the mailer does: a claimer, benchWorkers
// senders and a marker.
func (r *rawMailer) deliver(recs []events.DynamoDBEventRecord) error {
	ctx := context.Background()
	var (
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	jobs := make(chan string, mail.MaxChunk)
	sent := make(chan string, len(recs))
	var senders, marker sync.WaitGroup
	for range benchWorkers {
		senders.Go(func() {
			for id := range jobs {
				if _, err := r.ses.SendEmail(ctx, r.in); err != nil {
					fail(err)
					continue
				}
				sent <- id
			}
		})
	}
	marker.Go(func() {
		for id := range sent {
			group := []string{id}
		more:
			for {
				select {
				case id, ok := <-sent:
					if !ok {
						break more
					}
					group = append(group, id)
				default:
					break more
				}
			}
			if err := r.mark(ctx, group); err != nil {
				fail(err)
			}
		}
	})
	for chunk := range slices.Chunk(recs, mail.MaxChunk) {
		ids, err := r.claim(ctx, chunk)
		if err != nil {
			fail(err)
			continue
		}
		for _, id := range ids {
			jobs <- id
		}
	}
	close(jobs)
	senders.Wait()
	close(sent)
	marker.Wait()
	return errors.Join(errs...)
}

// claim claims the items of recs in one transaction and reads them and
// their users in two more, at once, as store.ClaimOutboxes, OutboxItems
// and MailUsers do. It returns the ids of the items.
func (r *rawMailer) claim(ctx context.Context, recs []events.DynamoDBEventRecord) ([]string, error) {
	now := time.Now()
	ids := make([]string, len(recs))
	claims := make([]dbtypes.TransactWriteItem, len(recs))
	outbox := make([]dbtypes.TransactGetItem, len(recs))
	users := make([]dbtypes.TransactGetItem, len(recs))
	for k, rec := range recs {
		img := rec.Change.NewImage
		ids[k] = img["id"].String()
		claims[k] = dbtypes.TransactWriteItem{Update: &dbtypes.Update{
			TableName: aws.String(r.e.table), Key: outboxKey(ids[k]),
			ConditionExpression: aws.String("attribute_exists(PK) AND " +
				"(attribute_not_exists(#st) OR #st = :pending OR (#st = :sending AND #cu < :now))"),
			UpdateExpression:         aws.String("SET #st = :sending, #cl = :claim, #cu = :until ADD #att :one"),
			ExpressionAttributeNames: map[string]string{"#st": "status", "#cl": "claim", "#cu": "claimUntil", "#att": "attempts"},
			ExpressionAttributeValues: map[string]dbtypes.AttributeValue{
				":pending": str("pending"), ":sending": str("sending"), ":claim": str(rawClaim),
				":now": num(now.UnixMilli()), ":until": num(now.Add(time.Minute).UnixMilli()), ":one": num(1),
			},
			ReturnValuesOnConditionCheckFailure: dbtypes.ReturnValuesOnConditionCheckFailureAllOld,
		}}
		outbox[k] = dbtypes.TransactGetItem{Get: &dbtypes.Get{TableName: aws.String(r.e.table), Key: outboxKey(ids[k])}}
		users[k] = dbtypes.TransactGetItem{Get: &dbtypes.Get{TableName: aws.String(r.e.table), Key: map[string]dbtypes.AttributeValue{
			"PK": str("ORG#" + img["orgId"].String() + "#USER#" + img["userId"].String()), "SK": str("USER")}}}
	}
	if _, err := r.e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: claims}); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var errs [2]error
	for k, items := range [][]dbtypes.TransactGetItem{outbox, users} {
		wg.Go(func() {
			_, errs[k] = r.e.db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: items})
		})
	}
	wg.Wait()
	return ids, errors.Join(errs[:]...)
}

// mark marks the items ids sent as store.MarkOutboxesSent does, or one
// item as store.MarkOutboxSent does.
func (r *rawMailer) mark(ctx context.Context, ids []string) error {
	at := str(time.Now().UTC().Format(time.RFC3339Nano))
	updates := make([]dbtypes.TransactWriteItem, len(ids))
	for k, id := range ids {
		updates[k] = dbtypes.TransactWriteItem{Update: &dbtypes.Update{
			TableName: aws.String(r.e.table), Key: outboxKey(id),
			ConditionExpression:      aws.String("#cl = :claim AND (#st = :sending OR #st = :to)"),
			UpdateExpression:         aws.String("REMOVE #cu SET #st = :to, #done = :at, #msg = :msg"),
			ExpressionAttributeNames: map[string]string{"#st": "status", "#cl": "claim", "#cu": "claimUntil", "#done": "doneAt", "#msg": "messageId"},
			ExpressionAttributeValues: map[string]dbtypes.AttributeValue{
				":sending": str("sending"), ":claim": str(rawClaim), ":to": str("sent"), ":at": at, ":msg": str("raw-" + id),
			},
		}}
	}
	if len(ids) > 1 {
		_, err := r.e.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: updates})
		return err
	}
	u := updates[0].Update
	_, err := r.e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, ConditionExpression: u.ConditionExpression, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	return err
}

// rawClaim is the raw half's claim, a token as long as the mailer's.
const rawClaim = "RAWCLAIMRAWCLAIMRAWCLAIMRA"

func str(v string) dbtypes.AttributeValue { return &dbtypes.AttributeValueMemberS{Value: v} }

func num(v int64) dbtypes.AttributeValue {
	return &dbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
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
