// Package seseventsfn wires the sesevents function (functions/sesevents):
// SES events to mail states, the table only.
package seseventsfn

import (
	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/sesevents"
)

// Handler handles the EventBridge events of the SES configuration set.
func Handler(a *core.App) *sesevents.Handler { return sesevents.New(a.Store, a.Log) }
