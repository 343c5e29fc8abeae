package capacity

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// item is an item of about size bytes at pk/sk, in GSI1 partition gsi1 if
// that is set.
func item(pk, sk, gsi1 string, size int) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{"PK": s(pk), "SK": s(sk)}
	if gsi1 != "" {
		it["GSI1PK"], it["GSI1SK"] = s(gsi1), s(sk)
	}
	it["pad"] = s(strings.Repeat("x", max(0, size-ItemSize(it)-len("pad"))))
	return it
}

func peakOf(t *testing.T, r *Report, index, pk string) Peak {
	t.Helper()
	for _, p := range r.Peaks {
		if p.Index == index && p.PK == pk {
			return p
		}
	}
	return Peak{Key: Key{index, pk}}
}

// TestMeterUnits checks the meter's accounting against DynamoDB's: 1 write
// unit per KB (twice in a transaction), 1 read unit per 4 KB strongly
// consistent (half eventually), index writes where the item enters and
// leaves an index partition, a Query billed for what it reads, peaks per
// second.
func TestMeterUnits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type want struct {
		index, pk string
		wcu, rcu  float64
	}
	cases := []struct {
		name string
		do   func(db *dynamodb.Client) error
		want []want
	}{
		{"put 1.5 KB with a GSI1 key", func(db *dynamodb.Client) error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("A", "1", "G", 1500)})
			return err
		}, []want{{Table, "A", 2, 0}, {"GSI1", "G", 2, 0}}},
		{"transaction: twice per item, condition checks too; indexes once", func(db *dynamodb.Client) error {
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("t"), Item: item("A", "1", "G", 500)}},
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String("t"), Key: item("B", "1", "", 0)}},
			}})
			return err
		}, []want{{Table, "A", 2, 0}, {Table, "B", 2, 0}, {"GSI1", "G", 1, 0}}},
		{"reads: 4 KB a unit, eventually half", func(db *dynamodb.Client) error {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("A", "1", "", 5000)}); err != nil {
				return err
			}
			key := map[string]types.AttributeValue{"PK": s("A"), "SK": s("1")}
			if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key}); err != nil {
				return err
			}
			_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key, ConsistentRead: aws.Bool(true)})
			return err
		}, []want{{Table, "A", 5, 1 + 2}}},
		{"update moves the item from one index partition to another", func(db *dynamodb.Client) error {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("A", "1", "G", 900)}); err != nil {
				return err
			}
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"),
				Key:                       map[string]types.AttributeValue{"PK": s("A"), "SK": s("1")},
				UpdateExpression:          aws.String("SET #p = :p"),
				ExpressionAttributeNames:  map[string]string{"#p": "GSI1PK"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("H")}})
			return err
		}, []want{{Table, "A", 2, 0}, {"GSI1", "G", 2, 0}, {"GSI1", "H", 1, 0}}},
		{"update that removes the index key leaves the partition", func(db *dynamodb.Client) error {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("A", "1", "G", 900)}); err != nil {
				return err
			}
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"),
				Key:              map[string]types.AttributeValue{"PK": s("A"), "SK": s("1")},
				UpdateExpression: aws.String("SET x = :x REMOVE GSI1PK, GSI1SK"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": s("y")}})
			return err
		}, []want{{Table, "A", 2, 0}, {"GSI1", "G", 2, 0}}},
		{"delete bills the item's size in the table and its index", func(db *dynamodb.Client) error {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("A", "1", "G", 2500)}); err != nil {
				return err
			}
			_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"PK": s("A"), "SK": s("1")}})
			return err
		}, []want{{Table, "A", 6, 0}, {"GSI1", "G", 6, 0}}},
		{"query bills the sizes it reads, summed, then rounded", func(db *dynamodb.Client) error {
			for i := range 10 {
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("Q", strings.Repeat("k", i+1), "G", 1000)}); err != nil {
					return err
				}
			}
			if _, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), KeyConditionExpression: aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("Q")}, ConsistentRead: aws.Bool(true)}); err != nil {
				return err
			}
			_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("#pk = :pk"),
				ExpressionAttributeNames: map[string]string{"#pk": "GSI1PK"}, ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("G")}, Limit: aws.Int32(5)})
			return err
		}, []want{{Table, "Q", 10, 3}, {"GSI1", "G", 10, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := NewMeter(store.TableDefinition("t"))
			if err := c.do(m.Client()); err != nil {
				t.Fatal(err)
			}
			r := m.Report()
			for _, w := range c.want {
				if p := peakOf(t, r, w.index, w.pk); p.WCU != w.wcu || p.RCU != w.rcu {
					t.Errorf("%s %s: %g WCU, %g RCU; want %g, %g", w.index, w.pk, p.WCU, p.RCU, w.wcu, w.rcu)
				}
			}
		})
	}
}

// TestMeterPeaksPerSecond: units count towards the second they are billed
// in, and a key's peak is its busiest second.
func TestMeterPeaksPerSecond(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMeter(store.TableDefinition("t"))
	db := m.Client()
	for sec, n := range []int{3, 7, 2} {
		m.At(int64(sec))
		for i := range n {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("P", strings.Repeat("k", sec*10+i+1), "", 100)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := m.Report()
	if p := peakOf(t, r, Table, "P"); p.WCU != 7 {
		t.Errorf("peak %g WCU/s, want 7", p.WCU)
	}
	if r.Seconds != 3 || r.WRU != 12 {
		t.Errorf("%d seconds, %g WRU; want 3, 12", r.Seconds, r.WRU)
	}
	if _, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("t")}); err == nil {
		t.Error("a Scan was answered; the meter must refuse what it does not model")
	}
}
