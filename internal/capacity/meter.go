// Package capacity bills DynamoDB requests by partition key, as DynamoDB
// would, without sending them anywhere.
//
// A Meter is installed as middleware on a real *dynamodb.Client, which the
// real store.Store then uses: every request the store builds, with the
// store's own key functions, is answered by the meter itself, and its
// write and read units are billed to the partition key of the table and of
// each global secondary index that it touches, per simulated second. The
// simulator under infra/capacity drives a workload through it and reports
// the keys whose peak comes near DynamoDB's per-partition limits (about
// 1,000 write units and 3,000 read units a second).
//
// The answers are plausible, not a database: a write succeeds, a read finds
// nothing, a query returns no items. The meter remembers only each item's
// size and index keys, so that a delete or an update is billed to the index
// partitions the item was in, and a query is billed for the items of its
// partition.
package capacity

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// DynamoDB's per-partition limits: a partition serves about this many
// write and read units a second before it throttles.
const (
	PartitionWCU = 1000
	PartitionRCU = 3000
)

// Table is the name of the base table in a Key; an index key has the
// index's name.
const Table = "table"

// Key is one partition key: of the table, or of an index.
type Key struct {
	Index string // Table or an index name
	PK    string
}

type units struct{ w, r float64 }

// index is a global secondary index's key attributes.
type index struct{ name, pk, sk string }

// stored is what the meter remembers of an item: its size and its index
// partitions ("" where it has none).
type stored struct {
	size int
	gsi  []string
}

// Meter bills requests. Its methods are safe for concurrent use.
type Meter struct {
	pk, sk  string
	indexes []index

	mu        sync.Mutex
	second    int64
	cur       map[Key]*units
	curTotal  map[string]*units // by index name, this second
	peak      map[Key]units
	peakTotal map[string]units
	seconds   int64
	billed    units // request units over the whole run, table and indexes
	requests  map[string]int
	items     map[string]stored      // by PK \x00 SK
	parts     map[Key]map[string]int // partition → item key → size
}

// NewMeter returns a meter for a table defined by def, whose key schema
// and global secondary indexes say which attributes are partition keys.
func NewMeter(def *dynamodb.CreateTableInput) *Meter {
	m := &Meter{
		cur: map[Key]*units{}, curTotal: map[string]*units{}, peak: map[Key]units{}, peakTotal: map[string]units{},
		requests: map[string]int{}, items: map[string]stored{}, parts: map[Key]map[string]int{},
	}
	m.pk, m.sk = keyAttrs(def.KeySchema)
	for _, g := range def.GlobalSecondaryIndexes {
		pk, sk := keyAttrs(g.KeySchema)
		m.indexes = append(m.indexes, index{name: aws.ToString(g.IndexName), pk: pk, sk: sk})
	}
	return m
}

func keyAttrs(ks []types.KeySchemaElement) (pk, sk string) {
	for _, k := range ks {
		if k.KeyType == types.KeyTypeHash {
			pk = aws.ToString(k.AttributeName)
		} else {
			sk = aws.ToString(k.AttributeName)
		}
	}
	return pk, sk
}

// Client returns a DynamoDB client whose every request the meter answers.
// No request leaves the process: the meter's middleware runs first in the
// stack and never calls the next handler.
func (m *Meter) Client() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:      "us-east-1",
		Credentials: aws.AnonymousCredentials{},
		APIOptions:  []func(*middleware.Stack) error{m.install},
	})
}

func (m *Meter) install(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("capacity.Meter",
		func(ctx context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, err := m.serve(in.Parameters)
			return middleware.InitializeOutput{Result: out}, middleware.Metadata{}, err
		}), middleware.Before)
}

// At moves the meter's clock to simulated second s: what it bills from now
// on counts towards that second. Seconds only move forward.
func (m *Meter) At(s int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s != m.second {
		m.fold()
		m.second = s
	}
}

// fold ends the current second: its units become peaks where they are
// higher.
func (m *Meter) fold() {
	if len(m.cur) == 0 && len(m.curTotal) == 0 {
		return
	}
	for k, u := range m.cur {
		p := m.peak[k]
		m.peak[k] = units{math.Max(p.w, u.w), math.Max(p.r, u.r)}
	}
	for k, u := range m.curTotal {
		p := m.peakTotal[k]
		m.peakTotal[k] = units{math.Max(p.w, u.w), math.Max(p.r, u.r)}
	}
	m.cur, m.curTotal = map[Key]*units{}, map[string]*units{}
	m.seconds++
}

// Billed returns the write and read request units billed so far, table
// and indexes together.
func (m *Meter) Billed() (wru, rru float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.billed.w, m.billed.r
}

func (m *Meter) bill(k Key, w, r float64) {
	u := m.cur[k]
	if u == nil {
		u = &units{}
		m.cur[k] = u
	}
	u.w += w
	u.r += r
	t := m.curTotal[k.Index]
	if t == nil {
		t = &units{}
		m.curTotal[k.Index] = t
	}
	t.w += w
	t.r += r
	m.billed.w += w
	m.billed.r += r
}

// writeUnits is what writing an item of size bytes costs: 1 per KB.
func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

// readUnits is what reading size bytes costs: 1 per 4 KB strongly
// consistent, half that eventually consistent.
func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

func (m *Meter) serve(params any) (any, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[fmt.Sprintf("%T", params)[len("*dynamodb."):]]++
	switch in := params.(type) {
	case *dynamodb.PutItemInput:
		m.put(in.Item, 1)
		return &dynamodb.PutItemOutput{}, nil
	case *dynamodb.UpdateItemInput:
		m.update(in.Key, aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues, 1)
		return &dynamodb.UpdateItemOutput{}, nil
	case *dynamodb.DeleteItemInput:
		m.delete(in.Key, 1)
		return &dynamodb.DeleteItemOutput{}, nil
	case *dynamodb.GetItemInput:
		m.get(in.Key, aws.ToBool(in.ConsistentRead), 1)
		return &dynamodb.GetItemOutput{}, nil
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			for _, k := range ka.Keys {
				m.get(k, aws.ToBool(ka.ConsistentRead), 1)
			}
		}
		return &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}, nil
	case *dynamodb.BatchWriteItemInput:
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				switch {
				case r.PutRequest != nil:
					m.put(r.PutRequest.Item, 1)
				case r.DeleteRequest != nil:
					m.delete(r.DeleteRequest.Key, 1)
				}
			}
		}
		return &dynamodb.BatchWriteItemOutput{}, nil
	case *dynamodb.TransactWriteItemsInput:
		// A transactional write costs twice a standard one, on every item,
		// a condition check too. Index writes are not transactional.
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				m.put(it.Put.Item, 2)
			case it.Update != nil:
				m.update(it.Update.Key, aws.ToString(it.Update.UpdateExpression), it.Update.ExpressionAttributeNames, it.Update.ExpressionAttributeValues, 2)
			case it.Delete != nil:
				m.delete(it.Delete.Key, 2)
			case it.ConditionCheck != nil:
				k, _ := m.itemKey(it.ConditionCheck.Key)
				m.bill(Key{Table, k.pk}, 2*writeUnits(m.items[k.id].size), 0)
			}
		}
		return &dynamodb.TransactWriteItemsOutput{}, nil
	case *dynamodb.TransactGetItemsInput:
		for _, it := range in.TransactItems {
			if it.Get != nil {
				m.get(it.Get.Key, true, 2)
			}
		}
		return &dynamodb.TransactGetItemsOutput{Responses: make([]types.ItemResponse, len(in.TransactItems))}, nil
	case *dynamodb.QueryInput:
		m.query(in)
		return &dynamodb.QueryOutput{}, nil
	}
	return nil, fmt.Errorf("capacity: %T is not modelled", params)
}

// itemID is an item's primary key as the meter files it.
type itemID struct{ pk, id string }

func (m *Meter) itemKey(key map[string]types.AttributeValue) (itemID, int) {
	pk, sk := strValue(key[m.pk]), strValue(key[m.sk])
	return itemID{pk: pk, id: pk + "\x00" + sk}, ItemSize(key)
}

func strValue(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (m *Meter) file(k Key, id string, size int) {
	p := m.parts[k]
	if p == nil {
		p = map[string]int{}
		m.parts[k] = p
	}
	p[id] = size
}

func (m *Meter) unfile(k Key, id string) {
	if p := m.parts[k]; p != nil {
		delete(p, id)
		if len(p) == 0 {
			delete(m.parts, k)
		}
	}
}

// remember stores an item's new size and index partitions, billing the
// index writes that moving from old to them costs.
func (m *Meter) remember(k itemID, old stored, had bool, size int, gsi []string) {
	for i, ix := range m.indexes {
		was := ""
		if had {
			was = old.gsi[i]
		}
		if was != "" && was != gsi[i] {
			m.bill(Key{ix.name, was}, writeUnits(old.size), 0)
			m.unfile(Key{ix.name, was}, k.id)
		}
		if gsi[i] != "" {
			m.bill(Key{ix.name, gsi[i]}, writeUnits(size), 0)
			m.file(Key{ix.name, gsi[i]}, k.id, size)
		}
	}
	m.items[k.id] = stored{size: size, gsi: gsi}
	m.file(Key{Table, k.pk}, k.id, size)
}

func (m *Meter) put(item map[string]types.AttributeValue, factor float64) {
	k, _ := m.itemKey(item)
	size := ItemSize(item)
	old, had := m.items[k.id]
	m.bill(Key{Table, k.pk}, factor*writeUnits(max(size, old.size)), 0)
	gsi := make([]string, len(m.indexes))
	for i, ix := range m.indexes {
		if strValue(item[ix.sk]) != "" || ix.sk == "" {
			gsi[i] = strValue(item[ix.pk])
		}
	}
	m.remember(k, old, had, size, gsi)
}

var (
	assignment = regexp.MustCompile(`(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)`)
	removal    = regexp.MustCompile(`(?i)\bREMOVE\s+(.*?)(?:\b(?:SET|ADD|DELETE)\b|$)`)
)

// update bills an UpdateItem: the larger of the item before and after, and
// the index partitions the item leaves and enters (with projection ALL,
// any change rewrites the item's index entries).
func (m *Meter) update(key map[string]types.AttributeValue, expr string, names map[string]string, values map[string]types.AttributeValue, factor float64) {
	k, keySize := m.itemKey(key)
	old, had := m.items[k.id]
	size := keySize
	for _, v := range values {
		size += ItemSize(map[string]types.AttributeValue{"": v}) + 8 // a value and a short name
	}
	size = max(size, old.size)
	m.bill(Key{Table, k.pk}, factor*writeUnits(size), 0)
	name := func(n string) string {
		if r, ok := names[n]; ok {
			return r
		}
		return n
	}
	set := map[string]string{}
	for _, a := range assignment.FindAllStringSubmatch(expr, -1) {
		set[name(a[1])] = strValue(values[a[2]])
	}
	removed := map[string]bool{}
	if r := removal.FindStringSubmatch(expr); r != nil {
		for _, n := range strings.Split(r[1], ",") {
			removed[name(strings.TrimSpace(n))] = true
		}
	}
	gsi := make([]string, len(m.indexes))
	for i, ix := range m.indexes {
		if had {
			gsi[i] = old.gsi[i]
		}
		if v, ok := set[ix.pk]; ok {
			gsi[i] = v
		}
		if removed[ix.pk] || removed[ix.sk] {
			gsi[i] = ""
		}
	}
	if !had {
		old.gsi = make([]string, len(m.indexes))
	}
	m.remember(k, old, had, size, gsi)
}

func (m *Meter) delete(key map[string]types.AttributeValue, factor float64) {
	k, keySize := m.itemKey(key)
	old, had := m.items[k.id]
	m.bill(Key{Table, k.pk}, factor*writeUnits(max(old.size, keySize)), 0)
	if !had {
		return
	}
	for i, ix := range m.indexes {
		if g := old.gsi[i]; g != "" {
			m.bill(Key{ix.name, g}, writeUnits(old.size), 0)
			m.unfile(Key{ix.name, g}, k.id)
		}
	}
	m.unfile(Key{Table, k.pk}, k.id)
	delete(m.items, k.id)
}

func (m *Meter) get(key map[string]types.AttributeValue, consistent bool, factor float64) {
	k, _ := m.itemKey(key)
	m.bill(Key{Table, k.pk}, 0, factor*readUnits(m.items[k.id].size, consistent))
}

var keyCondition = regexp.MustCompile(`(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)`)

// maxPage is what one Query reads at most before it returns a page.
const maxPage = 1 << 20

// query bills a Query for the items of its partition, up to its Limit and
// a page of 1 MB: a Query reads (and bills) what it passes, filter or not,
// and the sizes of the items it reads are summed before rounding.
func (m *Meter) query(in *dynamodb.QueryInput) {
	attr, ixName := m.pk, Table
	for _, ix := range m.indexes {
		if ix.name == aws.ToString(in.IndexName) {
			attr, ixName = ix.pk, ix.name
		}
	}
	pk := ""
	for _, a := range keyCondition.FindAllStringSubmatch(aws.ToString(in.KeyConditionExpression), -1) {
		n := a[1]
		if r, ok := in.ExpressionAttributeNames[n]; ok {
			n = r
		}
		if n == attr {
			pk = strValue(in.ExpressionAttributeValues[a[2]])
		}
	}
	limit := int(aws.ToInt32(in.Limit))
	size, n := 0, 0
	for _, s := range m.parts[Key{ixName, pk}] {
		if size >= maxPage || (limit > 0 && n >= limit) {
			break
		}
		size += s
		n++
	}
	m.bill(Key{ixName, pk}, 0, readUnits(size, aws.ToBool(in.ConsistentRead)))
}

// ItemSize is an item's size as DynamoDB counts it: the UTF-8 bytes of
// every attribute name and value, numbers at about one byte per two
// digits, 3 bytes of overhead per list or map and 1 per element.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(v.Value, "-0"))+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += (len(s)+1)/2 + 1
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}
