package tilgang

import (
	"sync"
	"time"
	_ "time/tzdata" // Lambda's provided.al2023 image may lack a zoneinfo database
)

// copenhagen loads the zone once; LoadLocation reads and parses a file.
var copenhagen = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic("tilgang: embedded tzdata lacks Europe/Copenhagen: " + err.Error())
	}
	return loc
})

// Copenhagen is the time zone of every date the product shows or takes:
// deactivation windows, dates of birth, expiry dates in mail.
func Copenhagen() *time.Location { return copenhagen() }

// Today returns the date of now in Copenhagen, as YYYY-MM-DD.
func Today(now time.Time) string { return now.In(Copenhagen()).Format(time.DateOnly) }
