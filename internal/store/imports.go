package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// importRowItem is the result of one row of an import. It is written once,
// in the same transaction as the change the row makes, so a row applied by
// one delivery of a file is never applied again by another.
type importRowItem struct {
	PK     string     `dynamodbav:"PK"`
	SK     string     `dynamodbav:"SK"`
	Type   string     `dynamodbav:"type"`
	Line   int        `dynamodbav:"line"`
	Action string     `dynamodbav:"action,omitempty"`
	Result string     `dynamodbav:"result"`
	UserID string     `dynamodbav:"userId,omitempty"`
	Errors []rowError `dynamodbav:"errors,omitempty"`
	At     time.Time  `dynamodbav:"at"`
}

type rowError struct {
	Column  string `dynamodbav:"column,omitempty"`
	Code    string `dynamodbav:"code"`
	Message string `dynamodbav:"message"`
}

func toImportRowItem(orgID string, r *tilgang.ImportRow, now time.Time) importRowItem {
	it := importRowItem{
		PK: importPK(orgID, r.ImportID), SK: importRowSK(r.Line), Type: typeImportRow,
		Line: r.Line, Action: r.Action, Result: r.Result, UserID: r.UserID, At: now,
	}
	for _, e := range r.Errors {
		it.Errors = append(it.Errors, rowError(e))
	}
	return it
}

// importRowKind reads a row's result as stored: the row it gives needs the
// import's id, which the item does not hold.
var importRowKind = itemKind[importRowItem, *importRowItem]{name: "import row", read: strongly, notFound: errRowNotFound,
	as: func(it *importRowItem) *importRowItem { return it }}

func (it *importRowItem) row(importID string) tilgang.ImportRow {
	r := tilgang.ImportRow{ImportID: importID, Line: it.Line, Action: it.Action, Result: it.Result, UserID: it.UserID}
	for _, e := range it.Errors {
		r.Errors = append(r.Errors, tilgang.RowError(e))
	}
	return r
}

// putImportRow adds the record of r as applied: written once, so a second
// attempt at the row fails with tilgang.ErrRowApplied, whatever else fails
// with it (see txn.failed).
func (t *txn) putImportRow(r *tilgang.ImportRow, orgID string, now time.Time) {
	t.put(toImportRowItem(orgID, r, now), absent, tilgang.ErrRowApplied)
}

// importItem is an import's record. GSI1 lists an organisation's imports
// newest first.
type importItem struct {
	PK         string          `dynamodbav:"PK"`
	SK         string          `dynamodbav:"SK"`
	GSI1PK     string          `dynamodbav:"GSI1PK"`
	GSI1SK     string          `dynamodbav:"GSI1SK"`
	Type       string          `dynamodbav:"type"`
	ID         string          `dynamodbav:"id"`
	OrgID      string          `dynamodbav:"orgId"`
	Bucket     string          `dynamodbav:"bucket"`
	Key        string          `dynamodbav:"key"`
	ObjVersion string          `dynamodbav:"objectVersion"`
	File       string          `dynamodbav:"file"`
	Uploader   string          `dynamodbav:"uploadedBy,omitempty"`
	UploaderBy *tilgang.By     `dynamodbav:"uploaderBy,omitempty"`
	Status     string          `dynamodbav:"status"`
	Reason     string          `dynamodbav:"reason,omitempty"`
	ReasonCode string          `dynamodbav:"reasonCode,omitempty"`
	ReasonLine int             `dynamodbav:"reasonLine,omitempty"`
	Validated  bool            `dynamodbav:"validated"`
	Rows       int             `dynamodbav:"rows"`
	NextLine   int             `dynamodbav:"nextLine"`
	Created    int             `dynamodbav:"created"`
	Updated    int             `dynamodbav:"updated"`
	Deleted    int             `dynamodbav:"deleted"`
	Failed     int             `dynamodbav:"failed"`
	Skipped    int             `dynamodbav:"skipped"`
	CPRLookups int             `dynamodbav:"cprLookups,omitempty"`
	Warnings   []importWarning `dynamodbav:"warnings,omitempty"`
	Lease      string          `dynamodbav:"lease,omitempty"`
	LeaseUntil string          `dynamodbav:"leaseUntil"` // sortableTime, compared as a string
	CreatedAt  time.Time       `dynamodbav:"createdAt"`
	UpdatedAt  time.Time       `dynamodbav:"updatedAt"`
}

type importWarning struct {
	Code    string `dynamodbav:"code"`
	Message string `dynamodbav:"message"`
	Rows    int    `dynamodbav:"rows"`
}

var importKind = itemKind[importItem, *tilgang.Import]{name: "import", read: strongly, notFound: tilgang.ErrImportNotFound, as: (*importItem).imp}

func (it *importItem) imp() *tilgang.Import {
	until, _ := time.Parse(sortableLayout, it.LeaseUntil)
	return &tilgang.Import{LeaseUntil: until,
		ID: it.ID, OrgID: it.OrgID, Bucket: it.Bucket, Key: it.Key, Version: it.ObjVersion, File: it.File, Uploader: it.Uploader, UploaderBy: it.UploaderBy,
		Status: tilgang.ImportStatus(it.Status), Reason: it.Reason, ReasonCode: it.ReasonCode, ReasonLine: it.ReasonLine, Validated: it.Validated, Rows: it.Rows, NextLine: it.NextLine,
		Counts: tilgang.ImportCounts{Created: it.Created, Updated: it.Updated, Deleted: it.Deleted, Failed: it.Failed, Skipped: it.Skipped},
		Lease:  it.Lease, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt,
		CPRLookups: it.CPRLookups, Warnings: warningsOf(it.Warnings),
	}
}

func warningsOf(ws []importWarning) []tilgang.ImportWarning {
	if len(ws) == 0 {
		return nil
	}
	out := make([]tilgang.ImportWarning, len(ws))
	for i, w := range ws {
		out[i] = tilgang.ImportWarning(w)
	}
	return out
}

// ErrImportBusy means another invocation holds the import's lease.
var ErrImportBusy = errors.New("store: another invocation is working on the import")

// ErrLeaseLost means the caller's lease on an import ended: another
// invocation took over, and the caller must stop.
var ErrLeaseLost = errors.New("store: the import lease was lost")

// StartImport makes imp's record if it is new, then takes its lease for
// owner until leaseUntil. It returns the record as stored: a finished import
// comes back with its status and no lease taken; a running one whose lease
// another owner holds returns ErrImportBusy.
func (s *Store) StartImport(ctx context.Context, imp *tilgang.Import, owner string, leaseUntil time.Time) (*tilgang.Import, error) {
	now := s.now().UTC()
	it := importItem{
		PK: importPK(imp.OrgID, imp.ID), SK: skImport,
		GSI1PK: orgImportsPK(imp.OrgID), GSI1SK: sortableTime(now) + "#" + imp.ID, Type: typeImport,
		ID: imp.ID, OrgID: imp.OrgID, Bucket: imp.Bucket, Key: imp.Key, ObjVersion: imp.Version, File: imp.File, Uploader: imp.Uploader, UploaderBy: imp.UploaderBy,
		Status: string(tilgang.ImportRunning), NextLine: 1, Lease: owner, LeaseUntil: sortableTime(leaseUntil), CreatedAt: now, UpdatedAt: now,
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("store: marshal import: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	switch {
	case err == nil:
		return it.imp(), nil
	case !isConditionFailed(err):
		return nil, fmt.Errorf("store: create import: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(importPK(imp.OrgID, imp.ID), skImport),
		UpdateExpression:         aws.String("SET lease = :o, leaseUntil = :u"),
		ConditionExpression:      aws.String("#s = :running AND (attribute_not_exists(lease) OR lease = :o OR leaseUntil < :now)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":o": str(owner), ":u": timeValue(leaseUntil), ":now": timeValue(now), ":running": str(string(tilgang.ImportRunning)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	switch {
	case err == nil:
		return importKind.decode(out.Attributes)
	case !isConditionFailed(err):
		return nil, fmt.Errorf("store: lease import: %w", err)
	}
	cur, err := s.Import(ctx, imp.OrgID, imp.ID)
	if err != nil {
		return nil, err
	}
	if cur.Status == tilgang.ImportRunning {
		return cur, ErrImportBusy
	}
	return cur, nil
}

// ImportProgress is what a checkpoint records.
type ImportProgress struct {
	Validated bool
	Rows      int
	NextLine  int
	Counts    tilgang.ImportCounts // added to the stored counts
	// Limits, when not nil, records the import's CPR look-ups and
	// warnings: given once, with the checkpoint that validates the file.
	Limits *ImportLimits
}

// ImportLimits is what the limits of CPR look-ups allow an import
// (tilgang.Import.CPRLookups) and what they refused it (Warnings).
type ImportLimits struct {
	CPRLookups int
	Warnings   []tilgang.ImportWarning
}

// CheckpointImport records progress made under owner's lease, which it
// extends to leaseUntil. It fails with ErrLeaseLost if the lease is no
// longer owner's or the stored progress is not imp's: counts are added, so
// a checkpoint must never be applied on top of another's.
func (s *Store) CheckpointImport(ctx context.Context, imp *tilgang.Import, owner string, p ImportProgress, leaseUntil time.Time) error {
	now := s.now().UTC()
	set := "SET validated = :val, #rows = :rows, nextLine = :next, leaseUntil = :u, updatedAt = :now"
	values := map[string]types.AttributeValue{
		":val": &types.AttributeValueMemberBOOL{Value: p.Validated}, ":rows": number(int64(p.Rows)),
		":next": number(int64(p.NextLine)), ":u": timeValue(leaseUntil), ":now": str(now.Format(time.RFC3339Nano)),
		":c": number(int64(p.Counts.Created)), ":up": number(int64(p.Counts.Updated)), ":d": number(int64(p.Counts.Deleted)),
		":f": number(int64(p.Counts.Failed)), ":sk": number(int64(p.Counts.Skipped)),
		":o": str(owner), ":old": number(int64(imp.NextLine)), ":running": str(string(tilgang.ImportRunning)),
	}
	if l := p.Limits; l != nil {
		set += ", cprLookups = :cl"
		values[":cl"] = number(int64(l.CPRLookups))
		if len(l.Warnings) > 0 {
			ws := make([]importWarning, len(l.Warnings))
			for i, w := range l.Warnings {
				ws[i] = importWarning(w)
			}
			av, err := attributevalue.Marshal(ws)
			if err != nil {
				return fmt.Errorf("store: marshal import warnings: %w", err)
			}
			set += ", warnings = :w"
			values[":w"] = av
		}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(importPK(imp.OrgID, imp.ID), skImport),
		UpdateExpression:         aws.String(set + " ADD created :c, updated :up, deleted :d, failed :f, skipped :sk"),
		ConditionExpression:      aws.String("lease = :o AND nextLine = :old AND #s = :running"),
		ExpressionAttributeNames: map[string]string{"#rows": "rows", "#s": "status"},
		// The old item tells a lost lease from this very update, committed
		// by an attempt whose answer was lost and then retried by the SDK.
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ExpressionAttributeValues:           values,
	})
	if old, ok := conditionFailedItem(err); ok {
		cur, uerr := importKind.decode(old)
		if uerr != nil || cur.Lease != owner || cur.NextLine != p.NextLine || cur.Status != tilgang.ImportRunning {
			return ErrLeaseLost
		}
		err = nil // this checkpoint is the one stored
	}
	if err != nil {
		return fmt.Errorf("store: checkpoint import: %w", err)
	}
	imp.Validated, imp.Rows, imp.NextLine, imp.LeaseUntil, imp.UpdatedAt = p.Validated, p.Rows, p.NextLine, leaseUntil, now
	if l := p.Limits; l != nil {
		imp.CPRLookups, imp.Warnings = l.CPRLookups, l.Warnings
	}
	imp.Counts.Created += p.Counts.Created
	imp.Counts.Updated += p.Counts.Updated
	imp.Counts.Deleted += p.Counts.Deleted
	imp.Counts.Failed += p.Counts.Failed
	imp.Counts.Skipped += p.Counts.Skipped
	return nil
}

// ImportEnd is how an import ends.
type ImportEnd struct {
	Status tilgang.ImportStatus // completed or rejected
	// Reason, Code and Line say why a rejected file was rejected; Skipped
	// counts the rows it had, none of them applied.
	Reason  string
	Code    string
	Line    int
	Skipped int
}

// FinishImport ends imp as end says and releases owner's lease.
func (s *Store) FinishImport(ctx context.Context, imp *tilgang.Import, owner string, end ImportEnd) error {
	now := s.now().UTC()
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(importPK(imp.OrgID, imp.ID), skImport),
		UpdateExpression:         aws.String("SET #s = :s, reason = :r, reasonCode = :c, reasonLine = :l, updatedAt = :now ADD skipped :sk REMOVE lease"),
		ConditionExpression:      aws.String("lease = :o AND #s = :running"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": str(string(end.Status)), ":r": str(end.Reason), ":c": str(end.Code), ":l": number(int64(end.Line)),
			":sk": number(int64(end.Skipped)), ":now": str(now.Format(time.RFC3339Nano)), ":o": str(owner),
			":running": str(string(tilgang.ImportRunning)),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if old, ok := conditionFailedItem(err); ok {
		// Ended already with this end: an attempt whose answer was lost.
		if cur, uerr := importKind.decode(old); uerr != nil || cur.Status != end.Status || cur.Lease != "" {
			return ErrLeaseLost
		}
		err = nil
	}
	if err != nil {
		return fmt.Errorf("store: finish import: %w", err)
	}
	imp.Status, imp.Reason, imp.ReasonCode, imp.ReasonLine, imp.Lease, imp.UpdatedAt = end.Status, end.Reason, end.Code, end.Line, "", now
	imp.Counts.Skipped += end.Skipped
	return nil
}

// conditionFailedItem returns the item as it was when a write's condition
// failed, if err is such a failure and the write asked for it.
func conditionFailedItem(err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, false
	}
	return ccf.Item, true
}

// ReleaseImport gives up owner's lease early, so that the next delivery (or
// a continuation) need not wait for it to run out.
func (s *Store) ReleaseImport(ctx context.Context, imp *tilgang.Import, owner string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(importPK(imp.OrgID, imp.ID), skImport),
		UpdateExpression:          aws.String("REMOVE lease"),
		ConditionExpression:       aws.String("lease = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": str(owner)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("store: release import: %w", err)
	}
	return nil
}

// Import reads one import of an organisation.
func (s *Store) Import(ctx context.Context, orgID, id string) (*tilgang.Import, error) {
	return importKind.get(ctx, s, itemKey(importPK(orgID, id), skImport))
}

// Imports lists an organisation's imports, newest first, with one Query on
// GSI1.
func (s *Store) Imports(ctx context.Context, orgID string, limit int, cursor string) (tilgang.ImportPage, error) {
	if limit <= 0 || limit > tilgang.MaxPageSize {
		limit = tilgang.DefaultPageSize
	}
	pk := orgImportsPK(orgID)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	}
	if cursor != "" {
		start, err := decodeImportCursor(cursor, orgID)
		if err != nil {
			return tilgang.ImportPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return tilgang.ImportPage{}, fmt.Errorf("store: list imports: %w", err)
	}
	var page tilgang.ImportPage
	for _, av := range out.Items {
		imp, err := importKind.decode(av)
		if err != nil {
			// Named by id, never failing the page (SPEC §14).
			page.Unreadable = append(page.Unreadable, keyID(av, importPK(orgID, "")))
			continue
		}
		page.Imports = append(page.Imports, imp)
	}
	if lek := out.LastEvaluatedKey; lek != nil {
		if sk, ok := lek[attrGSI1SK].(*types.AttributeValueMemberS); ok {
			page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(sk.Value))
		}
	}
	return page, nil
}

// decodeImportCursor turns a cursor (the GSI1 sort key of the last import
// of a page: time#id) back into the key to start after. The organisation
// comes from the caller, never from the cursor.
func decodeImportCursor(cursor, orgID string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, tilgang.ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "#")
	if _, perr := time.Parse(sortableLayout, at); !ok || perr != nil || len(id) != 36 {
		return nil, tilgang.ErrBadCursor
	}
	return map[string]types.AttributeValue{
		attrPK: str(importPK(orgID, id)), attrSK: str(skImport),
		attrGSI1PK: str(orgImportsPK(orgID)), attrGSI1SK: str(string(b)),
	}, nil
}

// PutImportRow records r, a row that changes nothing (it failed, or its
// update changed no field), once; ErrRowApplied if it was recorded before.
func (s *Store) PutImportRow(ctx context.Context, orgID string, r *tilgang.ImportRow) error {
	item, err := attributevalue.MarshalMap(toImportRowItem(orgID, r, s.now().UTC()))
	if err != nil {
		return fmt.Errorf("store: marshal import row: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item, ConditionExpression: absent.expression()})
	if isConditionFailed(err) {
		return tilgang.ErrRowApplied
	}
	if err != nil {
		return fmt.Errorf("store: put import row: %w", err)
	}
	return nil
}

// ImportRow reads the recorded result of one row.
func (s *Store) ImportRow(ctx context.Context, orgID, importID string, line int) (*tilgang.ImportRow, error) {
	it, err := importRowKind.get(ctx, s, itemKey(importPK(orgID, importID), importRowSK(line)))
	if err != nil {
		return nil, err
	}
	r := it.row(importID)
	return &r, nil
}

var errRowNotFound = errors.New("store: import row not recorded")

// ImportRows reads up to limit recorded rows from line from on, in line
// order, and the line to continue from (0 at the end).
func (s *Store) ImportRows(ctx context.Context, orgID, importID string, from, limit int) ([]tilgang.ImportRow, int, error) {
	if limit <= 0 {
		limit = 1000
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(importPK(orgID, importID)), ":lo": str(importRowSK(max(from, 0))), ":hi": str("ROW#~"),
		},
		ConsistentRead: aws.Bool(true),
		Limit:          aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: list import rows: %w", err)
	}
	var items []importRowItem
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, 0, fmt.Errorf("store: unmarshal import rows: %w", err)
	}
	rows := make([]tilgang.ImportRow, len(items))
	for i := range items {
		rows[i] = items[i].row(importID)
	}
	next := 0
	if out.LastEvaluatedKey != nil && len(rows) > 0 {
		next = rows[len(rows)-1].Line + 1
	}
	return rows, next, nil
}

func timeValue(t time.Time) types.AttributeValue { return str(sortableTime(t)) }
