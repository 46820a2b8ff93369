package media_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/telekit/telekit/media"
)

// Two sessions on loopback: alice plays 60 ms of a tone to bob, who
// decodes what he receives. In a call, each side's Remote comes from the
// other's SDP.
func ExampleSession() {
	ca, addrA := listen()
	cb, addrB := listen()
	alice, err := media.NewSession(ca, media.SessionConfig{Codec: media.CodecPCMU, Remote: addrB, RTCPMux: true})
	if err != nil {
		panic(err)
	}
	defer alice.Close()
	bob, err := media.NewSession(cb, media.SessionConfig{Codec: media.CodecPCMU, Remote: addrA, RTCPMux: true})
	if err != nil {
		panic(err)
	}
	defer bob.Close()

	// 3 frames of a constant tone level, then the end of the stream.
	left := 3 * media.FrameSamples
	tone := media.SampleReaderFunc(func(dst []int16) (int, error) {
		n := min(left, len(dst))
		for i := range n {
			dst[i] = 1000
		}
		left -= n
		if left == 0 {
			return n, io.EOF
		}
		return n, nil
	})
	go media.NewPlayer(alice, media.PlayerConfig{}).Play(context.Background(), tone)

	buf := make([]byte, 1500)
	pcm := make([]int16, media.FrameSamples)
	for range 3 {
		p, err := bob.ReadRTP(buf)
		if err != nil {
			panic(err)
		}
		n, _ := bob.Codec().Decode(pcm, p.Payload)
		fmt.Printf("pt %d marker %v %d samples, first %d\n", p.Header.PayloadType, p.Header.Marker, n, pcm[0])
	}
	fmt.Println("received", bob.Stats().PacketsReceived, "lost", bob.Stats().Lost)
	// Output:
	// pt 0 marker true 160 samples, first 988
	// pt 0 marker false 160 samples, first 988
	// pt 0 marker false 160 samples, first 988
	// received 3 lost 0
}

// listen binds a UDP socket on loopback for the examples.
func listen() (*net.UDPConn, netip.AddrPort) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Bob records what alice sends: a frame, a 20 ms gap where a frame was
// lost, another frame; then alice presses 5, which ends the recording.
func ExampleRecorder() {
	ca, addrA := listen()
	cb, addrB := listen()
	alice, err := media.NewSession(ca, media.SessionConfig{Codec: media.CodecPCMA, Remote: addrB, NoRTCP: true})
	if err != nil {
		panic(err)
	}
	defer alice.Close()
	bob, err := media.NewSession(cb, media.SessionConfig{Codec: media.CodecPCMA, Remote: addrA, NoRTCP: true})
	if err != nil {
		panic(err)
	}
	defer bob.Close()

	frame := make([]byte, media.FrameSamples)
	media.EncodeALaw(frame, make([]int16, media.FrameSamples)) // silence
	frame[0] = media.LinearToALaw(1000)                        // a click at the start
	alice.WriteAudio(frame)
	alice.SkipSamples(media.FrameSamples) // stands for a lost packet
	alice.WriteAudio(frame)
	// RFC 4733 event: digit 5, end bit, volume 10, duration 800.
	alice.WriteRTP(alice.EventPayloadType(), alice.Timestamp(), true, []byte{5, 0x8a, 3, 0x20})

	ctx, cancel := context.WithCancel(context.Background())
	var rec []int16
	w := media.SampleWriterFunc(func(s []int16) (int, error) { rec = append(rec, s...); return len(s), nil })
	r := media.NewRecorder(bob, w, media.RecorderConfig{OnEvent: func(p media.Packet) {
		fmt.Println("digit", p.Payload[0])
		cancel()
	}})
	n, err := r.Record(ctx)
	fmt.Println(n, "samples,", err)
	for _, i := range []int{0, 160, 320} {
		fmt.Printf("sample %d: %d\n", i, rec[i])
	}
	// Output:
	// digit 5
	// 480 samples, context canceled
	// sample 0: 1008
	// sample 160: 0
	// sample 320: 1008
}
