package media_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"time"

	"github.com/telekit/telekit/media"
)

// A B2BUA bridges a PCMU phone (leg A) to a PCMA trunk (leg B). The phone
// changes its RTP source mid-call, as it would after a transfer; the trunk
// still sees one stream, from the bridge's SSRC, converted to A-law.
func ExampleBridge() {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			panic(err)
		}
		return c
	}
	phone, trunk := listen(), listen() // the two peers
	legA, legB := listen(), listen()   // our sockets towards them
	for _, c := range []*net.UDPConn{phone, trunk, legA, legB} {
		defer c.Close()
	}
	addr := func(c *net.UDPConn) net.Addr { return c.LocalAddr() }

	br, err := media.StartBridge(context.Background(),
		media.BridgeLeg{Conn: legA, Remote: phone.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: media.CodecPCMU},
		media.BridgeLeg{Conn: legB, Remote: trunk.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: media.CodecPCMA, SSRC: 0x7E1E},
		media.BridgeConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer br.Close()

	var firstSeq, firstTS uint32
	// The phone sends two packets from one source, then one from another.
	for i, src := range []struct {
		ssrc uint32
		seq  uint16
	}{{0x1111, 10}, {0x1111, 11}, {0x2222, 5000}} {
		pkt := make([]byte, 12+4)
		pkt[0] = 0x80 // version 2, PT 0 (PCMU)
		binary.BigEndian.PutUint16(pkt[2:], src.seq)
		binary.BigEndian.PutUint32(pkt[4:], uint32(i)*160)
		binary.BigEndian.PutUint32(pkt[8:], src.ssrc)
		copy(pkt[12:], []byte{0xFF, 0x7F, 0x00, 0x80}) // µ-law +0, -0, -max, +max
		phone.WriteTo(pkt, addr(legA))

		buf := make([]byte, 1500)
		trunk.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := trunk.ReadFrom(buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		got := buf[:n]
		seq, ts := uint32(binary.BigEndian.Uint16(got[2:])), binary.BigEndian.Uint32(got[4:])
		if i == 0 {
			firstSeq, firstTS = seq, ts
		}
		fmt.Printf("PT %d marker %v SSRC %#x seq +%d ts +%d payload % x\n",
			got[1]&0x7F, got[1]&0x80 != 0, binary.BigEndian.Uint32(got[8:]),
			uint16(seq-firstSeq), ts-firstTS, got[12:])
	}
	// Output:
	// PT 8 marker true SSRC 0x7e1e seq +0 ts +0 payload d5 d5 2a aa
	// PT 8 marker false SSRC 0x7e1e seq +1 ts +160 payload d5 d5 2a aa
	// PT 8 marker true SSRC 0x7e1e seq +2 ts +320 payload d5 d5 2a aa
}

// A re-INVITE from the trunk (leg B) switches it from PCMA to PCMU in the
// middle of the call: Update changes the leg in place, so the trunk's
// stream goes on with the next sequence number, now untranscoded, with
// the marker bit on the first packet in the new format.
func ExampleBridge_Update() {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			panic(err)
		}
		return c
	}
	phone, trunk := listen(), listen()
	legA, legB := listen(), listen()
	for _, c := range []*net.UDPConn{phone, trunk, legA, legB} {
		defer c.Close()
	}
	trunkAddr := trunk.LocalAddr().(*net.UDPAddr).AddrPort()
	br, err := media.StartBridge(context.Background(),
		media.BridgeLeg{Conn: legA, Remote: phone.LocalAddr().(*net.UDPAddr).AddrPort(), Codec: media.CodecPCMU},
		media.BridgeLeg{Conn: legB, Remote: trunkAddr, Codec: media.CodecPCMA},
		media.BridgeConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer br.Close()

	var firstSeq uint16
	for i := range 3 {
		if i == 2 { // the trunk's re-INVITE settled PCMU
			if err := br.Update(media.BridgeB, media.BridgeMedia{Remote: trunkAddr, Codec: media.CodecPCMU}); err != nil {
				fmt.Println(err)
				return
			}
		}
		pkt := make([]byte, 12+2)
		pkt[0] = 0x80 // version 2, PT 0 (PCMU)
		binary.BigEndian.PutUint16(pkt[2:], uint16(100+i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(i)*160)
		binary.BigEndian.PutUint32(pkt[8:], 0x1111)
		copy(pkt[12:], []byte{0xFF, 0x00})
		phone.WriteTo(pkt, legA.LocalAddr())

		buf := make([]byte, 1500)
		trunk.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := trunk.ReadFrom(buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		got := buf[:n]
		seq := binary.BigEndian.Uint16(got[2:])
		if i == 0 {
			firstSeq = seq
		}
		fmt.Printf("PT %d marker %v seq +%d payload % x\n", got[1]&0x7F, got[1]&0x80 != 0, seq-firstSeq, got[12:])
	}
	// Output:
	// PT 8 marker true seq +0 payload d5 2a
	// PT 8 marker false seq +1 payload d5 2a
	// PT 0 marker true seq +2 payload ff 00
}
