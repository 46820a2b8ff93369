// Command relaybench measures the CPU a relay spends per RTP packet on
// loopback: the media.Bridge beside a bare Go UDP relay (read from one
// socket, write to another, nothing else), and a batched bare relay
// (recvmmsg/sendmmsg on one socket per side shared by all calls).
//
// The driver (this process) is the generator and the sink: it binds one
// socket per phone on 127.0.0.1, starts the relay as a child process pinned
// with taskset to another core, sends 172-byte RTP packets (PCMU, 20 ms)
// in both directions of every call at an even pace, and counts what
// arrives. The relay measures its own CPU with getrusage(RUSAGE_SELF),
// user + system, over the traffic, and divides by the packets it relayed.
//
//	go build -o /tmp/relaybench ./media/internal/relaybench
//	taskset -c 0 /tmp/relaybench -modes bare,bridge -runs 5 -calls 50 -pps 50 -seconds 10 -relay-cpu 1
//
// Modes run alternately (bare, bridge, bare, bridge…) and the medians and
// the ratio of each mode to the first are printed at the end.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/telekit/telekit/media"
	"golang.org/x/net/ipv4"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "relaybench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	role     string
	modes    string
	runs     int
	calls    int
	pps      int
	seconds  float64
	relayCPU string
	codecB   string
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("relaybench", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.role, "role", "driver", "driver (generator and sink) or relay (started by the driver)")
	fs.StringVar(&o.modes, "modes", "bare,bridge", "comma-separated relay modes to alternate: bare, bridge, bare-batch")
	fs.IntVar(&o.runs, "runs", 3, "runs of each mode")
	fs.IntVar(&o.calls, "calls", 50, "calls, each with two legs sending both ways")
	fs.IntVar(&o.pps, "pps", 50, "packets per second per direction of a call")
	fs.Float64Var(&o.seconds, "seconds", 10, "sending time of each run, in seconds")
	fs.StringVar(&o.relayCPU, "relay-cpu", "1", "CPU list for taskset to pin the relay to; empty: no pinning")
	fs.StringVar(&o.codecB, "codec-b", "PCMU", "codec of leg B in bridge mode (PCMU: no transcoding, PCMA: µ-law→A-law)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.calls < 1 || o.calls > 1000 || o.pps < 1 || o.pps > 1000 || o.seconds <= 0 || o.seconds > 120 || o.runs < 1 || o.runs > 20 {
		return errors.New("out of bounds: 1 ≤ calls ≤ 1000, 1 ≤ pps ≤ 1000, 0 < seconds ≤ 120, 1 ≤ runs ≤ 20")
	}
	switch o.role {
	case "relay":
		return relay(stdin, stdout)
	case "driver":
		return drive(o, stdout)
	}
	return fmt.Errorf("unknown role %q", o.role)
}

// setup is what the driver tells the relay.
type setup struct {
	Mode   string
	CodecB string
	PhoneA []netip.AddrPort
	PhoneB []netip.AddrPort
}

// ports is what the relay answers: where each call's legs listen.
type ports struct {
	A, B []netip.AddrPort
}

// result is the relay's measurement.
type result struct {
	Packets uint64
	CPU     time.Duration // user + system over the traffic
	Wall    time.Duration
}

func drive(o options, stdout io.Writer) error {
	modes := strings.Split(o.modes, ",")
	perPacket := map[string][]float64{}
	fmt.Fprintf(stdout, "calls %d, %d pps per direction, %.0f s per run, 172-byte packets\n", o.calls, o.pps, o.seconds)
	for r := range o.runs {
		for _, mode := range modes {
			res, sent, got, err := once(o, mode)
			if err != nil {
				return fmt.Errorf("run %d %s: %w", r+1, mode, err)
			}
			ns := float64(res.CPU.Nanoseconds()) / float64(max(res.Packets, 1))
			perPacket[mode] = append(perPacket[mode], ns)
			fmt.Fprintf(stdout, "run %d %-12s relayed %7d (sent %d, received %d)  cpu %7.3f s  %6.0f ns/packet  %.1f%% of a core\n",
				r+1, mode, res.Packets, sent, got, res.CPU.Seconds(), ns, 100*res.CPU.Seconds()/res.Wall.Seconds())
		}
	}
	base := median(perPacket[modes[0]])
	for _, mode := range modes {
		m := median(perPacket[mode])
		fmt.Fprintf(stdout, "median %-12s %6.0f ns/packet  ratio to %s %.2f\n", mode, m, modes[0], m/base)
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// once runs one relay child in mode and drives traffic through it.
func once(o options, mode string) (res result, sent, got uint64, err error) {
	phones := make([]*net.UDPConn, 2*o.calls) // A of call i at 2i, B at 2i+1
	st := setup{Mode: mode, CodecB: o.codecB}
	for i := range phones {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return res, 0, 0, err
		}
		defer c.Close()
		phones[i] = c
		a := c.LocalAddr().(*net.UDPAddr).AddrPort()
		if i%2 == 0 {
			st.PhoneA = append(st.PhoneA, a)
		} else {
			st.PhoneB = append(st.PhoneB, a)
		}
	}

	self, err := os.Executable()
	if err != nil {
		return res, 0, 0, err
	}
	argv := []string{self, "-role", "relay"}
	if o.relayCPU != "" {
		argv = append([]string{"taskset", "-c", o.relayCPU}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(o.seconds*float64(time.Second))+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return res, 0, 0, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return res, 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return res, 0, 0, err
	}
	defer cmd.Wait()
	dec := json.NewDecoder(bufio.NewReader(outPipe))
	if err := json.NewEncoder(in).Encode(st); err != nil {
		return res, 0, 0, err
	}
	var p ports
	if err := dec.Decode(&p); err != nil {
		return res, 0, 0, fmt.Errorf("relay ports: %w", err)
	}

	var received atomic.Uint64
	var wg sync.WaitGroup
	for _, c := range phones {
		wg.Go(func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
					return
				}
				received.Add(1)
			}
		})
	}
	sent = generate(phones, p, o)
	time.Sleep(200 * time.Millisecond) // let the last packets drain before stopping the relay
	in.Close()                         // tells the relay to stop and report
	if err := dec.Decode(&res); err != nil {
		return res, 0, 0, fmt.Errorf("relay result: %w", err)
	}
	for _, c := range phones {
		c.SetReadDeadline(time.Unix(1, 0))
	}
	wg.Wait()
	return res, sent, received.Load(), nil
}

// generate sends every stream's packets at an even pace for o.seconds and
// returns how many were sent.
func generate(phones []*net.UDPConn, p ports, o options) uint64 {
	n := len(phones)
	dst := make([]netip.AddrPort, n)
	for i := range o.calls {
		dst[2*i], dst[2*i+1] = p.A[i], p.B[i]
	}
	pkts := make([][]byte, n)
	for i := range pkts {
		pkt := make([]byte, 12+media.FrameSamples)
		pkt[0] = 0x80 // version 2, PCMU
		binary.BigEndian.PutUint32(pkt[8:], uint32(0x10000+i))
		for j := 12; j < len(pkt); j++ {
			pkt[j] = byte(i + j)
		}
		pkts[i] = pkt
	}
	rate := float64(n * o.pps) // packets per second, all streams
	total := uint64(rate * o.seconds)
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var sent uint64
	for sent < total {
		<-tick.C
		due := min(uint64(time.Since(start).Seconds()*rate), total)
		for ; sent < due; sent++ {
			k := int(sent % uint64(n))
			pkt := pkts[k]
			seq := uint16(sent / uint64(n))
			binary.BigEndian.PutUint16(pkt[2:], seq)
			binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*media.FrameSamples)
			phones[k].WriteToUDPAddrPort(pkt, dst[k])
		}
	}
	return sent
}

// relay is the child process: it binds the relay's sockets, reports their
// ports, relays until its standard input closes, then reports its CPU.
func relay(stdin io.Reader, stdout io.Writer) error {
	var st setup
	dec := json.NewDecoder(stdin)
	if err := dec.Decode(&st); err != nil {
		return err
	}
	listen := func() (*net.UDPConn, error) {
		return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	}
	var r relayer
	switch st.Mode {
	case "bare":
		r = &bareRelay{}
	case "bridge":
		r = &bridgeRelay{}
	case "bare-batch":
		r = &batchRelay{}
	default:
		return fmt.Errorf("unknown mode %q", st.Mode)
	}
	p, err := r.start(st, listen)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(p); err != nil {
		return err
	}
	cpu0, t0 := cpuTime(), time.Now()
	io.Copy(io.Discard, stdin) // until the driver closes it
	cpu1, t1 := cpuTime(), time.Now()
	n := r.stop()
	return json.NewEncoder(stdout).Encode(result{Packets: n, CPU: cpu1 - cpu0, Wall: t1.Sub(t0)})
}

// cpuTime returns the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// relayer is one relay design under test.
type relayer interface {
	start(st setup, listen func() (*net.UDPConn, error)) (ports, error)
	stop() uint64 // stops and returns the packets relayed
}

// bareRelay is one goroutine per direction of each call: read, write.
type bareRelay struct {
	conns []*net.UDPConn
	wg    sync.WaitGroup
	count []uint64
}

func (b *bareRelay) start(st setup, listen func() (*net.UDPConn, error)) (ports, error) {
	var p ports
	b.count = make([]uint64, 2*len(st.PhoneA))
	for i := range st.PhoneA {
		ca, err := listen()
		if err != nil {
			return p, err
		}
		cb, err := listen()
		if err != nil {
			return p, err
		}
		b.conns = append(b.conns, ca, cb)
		p.A = append(p.A, ca.LocalAddr().(*net.UDPAddr).AddrPort())
		p.B = append(p.B, cb.LocalAddr().(*net.UDPAddr).AddrPort())
		b.pipe(ca, cb, st.PhoneB[i], &b.count[2*i])
		b.pipe(cb, ca, st.PhoneA[i], &b.count[2*i+1])
	}
	return p, nil
}

func (b *bareRelay) pipe(in, out *net.UDPConn, to netip.AddrPort, count *uint64) {
	b.wg.Go(func() {
		buf := make([]byte, 1500)
		var n uint64
		defer func() { *count = n }()
		for {
			m, _, err := in.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if _, err := out.WriteToUDPAddrPort(buf[:m], to); err == nil {
				n++
			}
		}
	})
}

func (b *bareRelay) stop() uint64 {
	for _, c := range b.conns {
		c.SetReadDeadline(time.Unix(1, 0))
	}
	b.wg.Wait()
	var n uint64
	for _, c := range b.count {
		n += c
	}
	return n
}

// bridgeRelay is one media.Bridge per call.
type bridgeRelay struct {
	bridges []*media.Bridge
}

func (b *bridgeRelay) start(st setup, listen func() (*net.UDPConn, error)) (ports, error) {
	var p ports
	codecB := media.CodecPCMU
	if st.CodecB == "PCMA" {
		codecB = media.CodecPCMA
	}
	for i := range st.PhoneA {
		ca, err := listen()
		if err != nil {
			return p, err
		}
		cb, err := listen()
		if err != nil {
			return p, err
		}
		p.A = append(p.A, ca.LocalAddr().(*net.UDPAddr).AddrPort())
		p.B = append(p.B, cb.LocalAddr().(*net.UDPAddr).AddrPort())
		br, err := media.StartBridge(context.Background(),
			media.BridgeLeg{Conn: ca, Remote: st.PhoneA[i], Codec: media.CodecPCMU},
			media.BridgeLeg{Conn: cb, Remote: st.PhoneB[i], Codec: codecB},
			media.BridgeConfig{RTCPInterval: -1})
		if err != nil {
			return p, err
		}
		b.bridges = append(b.bridges, br)
	}
	return p, nil
}

func (b *bridgeRelay) stop() uint64 {
	var n uint64
	for _, br := range b.bridges {
		br.Close()
		st := br.Stats()
		n += st.A.Relayed + st.B.Relayed
	}
	return n
}

// batchRelay shares one socket per side among all calls, reading and
// writing up to 64 packets per system call (recvmmsg/sendmmsg), and finds
// the call by the packet's source address.
type batchRelay struct {
	conns [2]*net.UDPConn
	wg    sync.WaitGroup
	count [2]uint64
}

func (b *batchRelay) start(st setup, listen func() (*net.UDPConn, error)) (ports, error) {
	var p ports
	for i := range b.conns {
		c, err := listen()
		if err != nil {
			return p, err
		}
		// All calls share this socket's receive buffer: give it what one
		// per-leg socket each would have had, up to net.core.rmem_max.
		c.SetReadBuffer(4 << 20)
		b.conns[i] = c
	}
	a, bb := b.conns[0].LocalAddr().(*net.UDPAddr).AddrPort(), b.conns[1].LocalAddr().(*net.UDPAddr).AddrPort()
	// peer maps each phone to the other leg's phone.
	peer := map[netip.AddrPort]*net.UDPAddr{}
	for i := range st.PhoneA {
		p.A = append(p.A, a)
		p.B = append(p.B, bb)
		peer[st.PhoneA[i]] = net.UDPAddrFromAddrPort(st.PhoneB[i])
		peer[st.PhoneB[i]] = net.UDPAddrFromAddrPort(st.PhoneA[i])
	}
	for i := range b.conns {
		in, out := ipv4.NewPacketConn(b.conns[i]), ipv4.NewPacketConn(b.conns[1-i])
		b.wg.Go(func() { b.count[i] = pump(in, out, peer) })
	}
	return p, nil
}

func pump(in, out *ipv4.PacketConn, peer map[netip.AddrPort]*net.UDPAddr) uint64 {
	const batch = 64
	rd, wr := make([]ipv4.Message, batch), make([]ipv4.Message, batch)
	for i := range rd {
		rd[i].Buffers = [][]byte{make([]byte, 1500)}
		wr[i].Buffers = [][]byte{nil}
	}
	var n uint64
	for {
		k, err := in.ReadBatch(rd, 0)
		if err != nil {
			return n
		}
		w := 0
		for _, m := range rd[:k] {
			src := m.Addr.(*net.UDPAddr).AddrPort()
			to, ok := peer[netip.AddrPortFrom(src.Addr().Unmap(), src.Port())]
			if !ok {
				continue
			}
			wr[w].Buffers[0] = m.Buffers[0][:m.N]
			wr[w].Addr = to
			w++
		}
		for done := 0; done < w; {
			s, err := out.WriteBatch(wr[done:w], 0)
			if err != nil {
				return n
			}
			done += s
			n += uint64(s)
		}
	}
}

func (b *batchRelay) stop() uint64 {
	for _, c := range b.conns {
		c.SetReadDeadline(time.Unix(1, 0))
	}
	b.wg.Wait()
	return b.count[0] + b.count[1]
}
