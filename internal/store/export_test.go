package store

// DueWork is dueWork, for tests that check the schedule a user's state
// needs.
var DueWork = dueWork
