// Package schedulerfn wires the scheduler function (functions/scheduler).
package schedulerfn

import (
	"time"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/scheduler"
)

// Handler handles the periodic schedule.
func Handler(a *core.App) *scheduler.Scheduler { return scheduler.New(a.Store, time.Now, a.Log) }
