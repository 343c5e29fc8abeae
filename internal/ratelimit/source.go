package ratelimit

import (
	"net/http"
	"net/netip"
)

// unknownSource is the source of a request whose address cannot be read;
// such requests share one count.
const unknownSource = "unknown"

// SourceOf returns the source of r as a limit counts it: the client's IP
// address, an IPv6 address as its /64 (one subscriber's network, which a
// client can otherwise walk through).
//
// It reads r.RemoteAddr only. In Lambda the adapter
// (aws-lambda-go-api-proxy, httpadapter.NewV2) sets it from API Gateway's
// requestContext.http.sourceIp, the address of the TCP connection that
// reached API Gateway; a Go server sets it from its own connection. A
// header such as X-Forwarded-For is the client's to write, so it is never
// read: a client could otherwise pick a new source for every request.
func SourceOf(r *http.Request) string {
	addr, err := netip.ParseAddr(r.RemoteAddr)
	if err != nil {
		ap, perr := netip.ParseAddrPort(r.RemoteAddr)
		if perr != nil {
			return unknownSource
		}
		addr = ap.Addr()
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return unknownSource
	}
	return p.String()
}
