package capacity

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
)

// FuzzMeterExpressions: the meter reads update and key condition
// expressions to find index keys and a Query's partition. Whatever the
// expression, it bills without panicking, never a negative unit, and an
// item it files under an index partition has that partition's key.
func FuzzMeterExpressions(f *testing.F) {
	f.Fuzz(func(t *testing.T, update, name, value, keyCond string) {
		ctx := context.Background()
		m := NewMeter(store.TableDefinition("t"))
		db := m.Client()
		key := map[string]types.AttributeValue{"PK": s("P"), "SK": s("S")}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item("P", "S", "G", 300)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key, UpdateExpression: aws.String(update),
			ExpressionAttributeNames: map[string]string{"#n": name}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(value)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String(keyCond),
			ExpressionAttributeNames: map[string]string{"#n": name}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(value)}}); err != nil {
			t.Fatal(err)
		}
		r := m.Report()
		for _, p := range r.Peaks {
			if p.WCU < 0 || p.RCU < 0 {
				t.Fatalf("negative units %+v", p)
			}
		}
		for k, items := range m.parts {
			for id := range items {
				it, ok := m.items[id]
				if !ok {
					t.Fatalf("%v files %q, which the meter does not hold", k, id)
				}
				if k.Index != Table && !contains(it.gsi, k.PK) {
					t.Fatalf("%v files %q, whose index keys are %q", k, id, it.gsi)
				}
			}
		}
	})
}

func contains(ss []string, s string) bool {
	for _, e := range ss {
		if e == s {
			return true
		}
	}
	return false
}
