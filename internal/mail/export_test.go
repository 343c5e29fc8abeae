package mail

// MaxChunk is maxChunk, for the benchmark's raw half, which claims the
// items of a batch in chunks as the mailer does.
const MaxChunk = maxChunk
