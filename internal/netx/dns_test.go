package netx

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
)

// fakeResolver answers every A query with ip and every AAAA query with
// nothing, over an in-memory connection: a name can resolve anywhere without
// any DNS server or /etc/hosts entry, and nothing leaves the process.
func fakeResolver(ip string) *net.Resolver {
	addr := netip.MustParseAddr(ip).As4()
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go serveDNS(server, addr[:])
		return client, nil
	}}
}

// serveDNS answers length-prefixed queries (DNS over a stream, RFC 1035
// §4.2.2) until the client hangs up.
func serveDNS(c net.Conn, a []byte) {
	defer c.Close()
	for {
		var n uint16
		if binary.Read(c, binary.BigEndian, &n) != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		end := 12
		for end < len(q) && q[end] != 0 {
			end += int(q[end]) + 1
		}
		end += 5 // the root label, QTYPE, QCLASS
		if end > len(q) {
			return
		}
		qtype := binary.BigEndian.Uint16(q[end-4:])
		resp := append([]byte{}, q[:2]...)                      // ID
		resp = append(resp, 0x85, 0x80, 0, 1, 0, 0, 0, 0, 0, 0) // QR AA RD RA, 1 question
		resp = append(resp, q[12:end]...)
		if qtype == 1 { // A
			resp[7] = 1
			resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
			resp = append(resp, a...)
		}
		if binary.Write(c, binary.BigEndian, uint16(len(resp))) != nil {
			return
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}
