package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

type orgItem struct {
	PK                   string          `dynamodbav:"PK"`
	SK                   string          `dynamodbav:"SK"`
	Type                 string          `dynamodbav:"type"`
	ID                   string          `dynamodbav:"id"`
	Name                 string          `dynamodbav:"name"`
	CVR                  string          `dynamodbav:"cvr"`
	IAL                  int             `dynamodbav:"ial"`
	EANNumbers           []string        `dynamodbav:"ean,omitempty"`
	PNumbers             []string        `dynamodbav:"pNumbers,omitempty"`
	SENumbers            []string        `dynamodbav:"seNumbers,omitempty"`
	AllowAnonymous       bool            `dynamodbav:"allowAnonymous"`
	ReferenceTextEnabled bool            `dynamodbav:"referenceTextEnabled"`
	AllowPrivateMitID    bool            `dynamodbav:"allowPrivateMitID"`
	RequirePasskeys      bool            `dynamodbav:"requirePasskeys,omitempty"`
	MaxAdmins            int             `dynamodbav:"maxAdmins"`
	Language             string          `dynamodbav:"language"`
	AdminEmails          []string        `dynamodbav:"adminEmails,omitempty"`
	GroupRoles           []groupRoleItem `dynamodbav:"groupRoles,omitempty"`
	DisabledAt           time.Time       `dynamodbav:"disabledAt,omitempty"`
	// GSI1PK and GSI1SK list every organisation under one key
	// (Organisations), for the operator command.
	GSI1PK    string    `dynamodbav:"GSI1PK"`
	GSI1SK    string    `dynamodbav:"GSI1SK"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	Version   int64     `dynamodbav:"version"`
}

func toOrgItem(o *tilgang.Organisation) orgItem {
	return orgItem{
		PK: orgPK(o.ID), SK: skOrg, Type: typeOrg,
		ID: o.ID, Name: o.Name, CVR: o.CVR, IAL: o.IAL,
		EANNumbers: o.EANNumbers, PNumbers: o.PNumbers, SENumbers: o.SENumbers,
		AllowAnonymous: o.AllowAnonymous, ReferenceTextEnabled: o.ReferenceTextEnabled,
		AllowPrivateMitID: o.AllowPrivateMitID, RequirePasskeys: o.RequirePasskeys, MaxAdmins: o.MaxAdmins, Language: o.Language,
		AdminEmails: o.AdminEmails, GroupRoles: groupRoleItems(o.GroupRoles), DisabledAt: o.DisabledAt,
		GSI1PK: orgsPK, GSI1SK: o.ID,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version,
	}
}

type groupRoleItem struct {
	Group   string `dynamodbav:"group"`
	Role    string `dynamodbav:"role"`
	OrgUnit string `dynamodbav:"orgUnit,omitempty"`
}

func groupRoleItems(m []tilgang.GroupRole) []groupRoleItem {
	var out []groupRoleItem
	for _, g := range m {
		out = append(out, groupRoleItem(g))
	}
	return out
}

// Organisations change rarely and by hand, so they are read eventually
// consistent, at half the cost.
var orgKind = itemKind[orgItem, *tilgang.Organisation]{name: "organisation", read: eventually, notFound: tilgang.ErrOrgNotFound,
	as: (*orgItem).organisation}

func (it *orgItem) organisation() *tilgang.Organisation {
	return &tilgang.Organisation{
		ID: it.ID, Name: it.Name, CVR: it.CVR, IAL: it.IAL,
		EANNumbers: it.EANNumbers, PNumbers: it.PNumbers, SENumbers: it.SENumbers,
		AllowAnonymous: it.AllowAnonymous, ReferenceTextEnabled: it.ReferenceTextEnabled,
		AllowPrivateMitID: it.AllowPrivateMitID, RequirePasskeys: it.RequirePasskeys, MaxAdmins: it.MaxAdmins, Language: it.Language,
		AdminEmails: it.AdminEmails, GroupRoles: groupRoles(it.GroupRoles), DisabledAt: it.DisabledAt,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version,
	}
}

func groupRoles(items []groupRoleItem) []tilgang.GroupRole {
	var out []tilgang.GroupRole
	for _, g := range items {
		out = append(out, tilgang.GroupRole(g))
	}
	return out
}

// CreateOrganisation stores a new organisation with version 1.
func (s *Store) CreateOrganisation(ctx context.Context, o *tilgang.Organisation) error {
	now := s.now().UTC()
	o.CreatedAt, o.UpdatedAt, o.Version = now, now, 1
	item, err := attributevalue.MarshalMap(toOrgItem(o))
	if err != nil {
		return fmt.Errorf("store: marshal organisation: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return &tilgang.Error{Kind: tilgang.KindConflict, Code: "organisation.exists", Message: "an organisation with this id exists"}
	}
	if err != nil {
		return fmt.Errorf("store: create organisation: %w", err)
	}
	return nil
}

// Organisation reads one organisation.
func (s *Store) Organisation(ctx context.Context, id string) (*tilgang.Organisation, error) {
	return orgKind.get(ctx, s, itemKey(orgPK(id), skOrg))
}

// UpdateOrganisation replaces o if it is still at o.Version, and advances
// the version.
func (s *Store) UpdateOrganisation(ctx context.Context, o *tilgang.Organisation) error {
	prev := o.Version
	o.Version++
	o.UpdatedAt = s.now().UTC()
	item, err := attributevalue.MarshalMap(toOrgItem(o))
	if err != nil {
		return fmt.Errorf("store: marshal organisation: %w", err)
	}
	c := atVersion(prev)
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: c.expression(), ExpressionAttributeValues: c.values,
	})
	if isConditionFailed(err) {
		o.Version = prev
		return tilgang.ErrStale
	}
	if err != nil {
		o.Version = prev
		return fmt.Errorf("store: update organisation: %w", err)
	}
	return nil
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
