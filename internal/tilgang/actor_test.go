package tilgang

import "testing"

func TestActorOf(t *testing.T) {
	t.Parallel()
	person := By{Kind: ActorPerson, ID: "u1", Name: "Anna Berg", Email: "anna@example.dk"}
	for _, c := range []struct {
		a         Activity
		kind, lbl string
	}{
		{Activity{Actor: "admin token ci", Source: "admin"}, ActorToken, "admin token ci"},
		{Activity{Actor: "SCIM client entra", Source: "scim"}, ActorSCIM, "SCIM client entra"},
		{Activity{Actor: "import x", Source: "csv"}, ActorImport, "import x"},
		{Activity{Actor: "the user", Source: "web"}, ActorUser, "the user"},
		{Activity{Actor: "scheduler", Source: "scheduler"}, ActorSystem, "scheduler"},
		{Activity{Actor: "Anna Berg <anna@example.dk>", Source: "console", By: &person}, ActorPerson, "Anna Berg <anna@example.dk>"},
	} {
		got := ActorOf(c.a)
		if got.Kind != c.kind || got.Label() != c.lbl {
			t.Errorf("ActorOf(%+v) = %+v (%q); want kind %s, label %q", c.a, got, got.Label(), c.kind, c.lbl)
		}
	}
	act := Actor{Name: "admin token ci", Source: "admin", By: By{Kind: ActorToken, ID: "t1", Name: "ci"}}.Activity("user.created", []string{"email"})
	if act.By == nil || act.By.ID != "t1" || act.Actor != "admin token ci" || act.Action != "user.created" {
		t.Errorf("Actor.Activity: %+v", act)
	}
	if act := (Actor{Name: "x"}).Activity("a", nil); act.By != nil {
		t.Errorf("an actor without By records one: %+v", act.By)
	}
}
