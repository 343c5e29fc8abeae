package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The guard migration of SPEC §14's fold: userName guards were keyed by
// tilgang.LegacyFoldUserName (NFC and case folding) and are now keyed by
// tilgang.FoldUserName (NFKC and case folding). Until a user's guard is
// moved, the store keeps it working: the user item names its guard's key
// (userNameKey; none means the legacy fold), UserByUserName falls back to
// the legacy key, and a new userName is checked against it too.
//
// Invitee guards need no move: an invitation's address passed
// validate.Email, which allows ASCII only, and the two folds agree on
// ASCII (FuzzFoldUserName checks it).

// RefoldReport is what RefoldGuards did in one organisation. The zero
// value is a run that found no users.
type RefoldReport struct {
	Users     int // users read
	Moved     int // users whose guard (or sort keys) moved to the new fold
	Unchanged int // users already under the new fold
	// Collisions are users whose name folds, under NFKC, to a name another
	// user holds. They keep their legacy guard and stay as they are: which
	// of the two may keep the name is an administrator's decision (rename
	// or delete one, then run again).
	Collisions []RefoldCollision
	// Retry are users that changed while the run read them; a second run
	// moves them.
	Retry []string
}

// RefoldCollision names two users of one organisation whose userNames are
// one name under tilgang.FoldUserName: UserID's guard could not move to
// the key HolderID holds. Ids only: the report goes to an operator's
// terminal and logs, which get no personal data.
type RefoldCollision struct {
	UserID   string
	HolderID string
}

// refoldUser is the part of a user item the migration reads.
type refoldUser struct {
	ID          string `dynamodbav:"id"`
	UserName    string `dynamodbav:"userName"`
	UserNameKey string `dynamodbav:"userNameKey"`
	Version     int64  `dynamodbav:"version"`
	GSI1SK      string `dynamodbav:"GSI1SK"`
	GSI2SK      string `dynamodbav:"GSI2SK"`
}

// errRefoldHeld fails a move whose legacy guard another user holds, which
// only a damaged table has; the user is retried and stays reported.
var errRefoldHeld = errors.New("store: legacy userName guard held by another user")

// RefoldGuards moves every userName guard of an organisation from the
// legacy fold's key to tilgang.FoldUserName's, one user per transaction
// (the user item's key and sort keys, the new guard, the old guard's
// deletion), and reports the users that now collide instead of resolving
// them. It writes only users whose keys differ, so a second run is a
// no-op and a run cut short is finished by the next. Users that change
// during the run are left for the next (RefoldReport.Retry).
//
// The operator command `tilgang migrate folds` calls it once per
// organisation after the release with the NFKC fold is deployed.
func (s *Store) RefoldGuards(ctx context.Context, orgID string) (RefoldReport, error) {
	var rep RefoldReport
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("#pk = :pk"),
		ProjectionExpression:   aws.String("id, userName, userNameKey, version, GSI1SK, GSI2SK"),
		ExpressionAttributeNames: map[string]string{
			"#pk": attrGSI1PK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgUsersPK(orgID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return rep, fmt.Errorf("store: refold guards: %w", err)
		}
		var users []refoldUser
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &users); err != nil {
			return rep, fmt.Errorf("store: refold guards: %w", err)
		}
		for _, u := range users {
			rep.Users++
			if err := s.refoldUser(ctx, orgID, u, &rep); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// refoldUser moves one user's guard and sort keys, or records why not.
func (s *Store) refoldUser(ctx context.Context, orgID string, u refoldUser, rep *RefoldReport) error {
	want := tilgang.FoldUserName(u.UserName)
	have := cmp.Or(u.UserNameKey, tilgang.LegacyFoldUserName(u.UserName))
	if have == want && u.GSI1SK == want && u.GSI2SK == want {
		rep.Unchanged++
		return nil
	}
	if have != want {
		holder, err := guardKind.get(ctx, s, itemKey(userNameKeyPK(orgID, want), skGuard))
		if err != nil && !errors.Is(err, tilgang.ErrUserNotFound) {
			return fmt.Errorf("store: refold guards: %w", err)
		}
		if holder != "" && holder != u.ID {
			rep.Collisions = append(rep.Collisions, RefoldCollision{UserID: u.ID, HolderID: holder})
			return nil
		}
	}
	t := s.txn()
	t.update(&types.Update{
		TableName:                 t.table,
		Key:                       itemKey(userPK(orgID, u.ID), skUser),
		UpdateExpression:          aws.String("SET userNameKey = :k, GSI1SK = :k, GSI2SK = :k"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(want), ":v": number(u.Version)},
	}, tilgang.ErrStale)
	if have != want {
		mine := cond{
			expr:   "attribute_not_exists(PK) OR userId = :id",
			values: map[string]types.AttributeValue{":id": str(u.ID)},
		}
		t.put(map[string]types.AttributeValue{
			attrPK: str(userNameKeyPK(orgID, want)), attrSK: str(skGuard), attrType: str(typeGuard), "userId": str(u.ID),
		}, mine, tilgang.ErrUserNameTaken)
		t.delete(itemKey(userNameKeyPK(orgID, have), skGuard), mine, errRefoldHeld)
	}
	switch err := s.transact(ctx, "refold guard", t); {
	case err == nil:
		rep.Moved++
	case errors.Is(err, tilgang.ErrStale), errors.Is(err, tilgang.ErrUserNameTaken), errors.Is(err, errRefoldHeld):
		// Changed, taken or damaged since the read: the next run sees it anew.
		rep.Retry = append(rep.Retry, u.ID)
	default:
		return err
	}
	return nil
}
