package media_test

import (
	"fmt"
	"time"

	"github.com/telekit/telekit/media"
)

// A Session sends a key press: start the event, then call Next as time
// passes and send each packet with the telephone-event payload type.
func ExampleDTMFSender() {
	s, _ := media.NewDTMFSender(media.DTMFSenderConfig{}) // 50 ms updates
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Start(media.DTMF5, 120*time.Millisecond, 8000, t0)
	for ms := 0; s.Busy(); ms += 10 {
		for {
			pkt, ok := s.Next(t0.Add(time.Duration(ms) * time.Millisecond))
			if !ok {
				break
			}
			var p media.DTMFPayload
			p.Unmarshal(pkt.Payload[:])
			fmt.Printf("%3d ms ts=%d marker=%v key=%v end=%v duration=%d\n", ms, pkt.Timestamp, pkt.Marker, p.Event, p.End, p.Duration)
		}
	}
	// Output:
	//   0 ms ts=8000 marker=true key=5 end=false duration=0
	//  50 ms ts=8000 marker=false key=5 end=false duration=400
	// 100 ms ts=8000 marker=false key=5 end=false duration=800
	// 120 ms ts=8000 marker=false key=5 end=true duration=960
	// 170 ms ts=8000 marker=false key=5 end=true duration=960
	// 220 ms ts=8000 marker=false key=5 end=true duration=960
}

// The receiving side reports each press once when it starts and once when
// it ends, however many redundant packets arrive.
func ExampleDTMFReceiver() {
	r, _ := media.NewDTMFReceiver(func(rep media.DTMFReport) {
		if rep.End {
			fmt.Printf("released %v after %v\n", rep.Event, rep.Duration)
		} else {
			fmt.Printf("pressed %v\n", rep.Event)
		}
	}, media.DTMFReceiverConfig{})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	packets := []media.DTMFPayload{
		{Event: media.DTMFPound, Duration: 0},
		{Event: media.DTMFPound, Duration: 400},
		{Event: media.DTMFPound, End: true, Duration: 800},
		{Event: media.DTMFPound, End: true, Duration: 800},
		{Event: media.DTMFPound, End: true, Duration: 800},
	}
	for i, p := range packets {
		b, _ := p.Marshal()
		r.Receive(16000, i == 0, b, t0.Add(time.Duration(i)*50*time.Millisecond))
	}
	// Output:
	// pressed #
	// released # after 100ms
}

// Detect keys in audio, here generated with DTMFTone.
func ExampleDTMFDetector() {
	var keys []byte
	d, _ := media.NewDTMFDetector(func(rep media.DTMFReport) {
		if !rep.End {
			keys = append(keys, rep.Event.Digit())
		}
	}, media.DTMFDetectorConfig{})
	gap := make([]int16, 400) // 50 ms
	buf := make([]int16, 160)
	for _, c := range []byte("42#") {
		ev, _ := media.DTMFEventForDigit(c)
		plan, _ := media.DTMFTone(ev, -10, 70*time.Millisecond)
		g, _ := media.NewToneGenerator(plan, 0)
		for {
			n, err := g.ReadSamples(buf)
			d.WriteSamples(buf[:n])
			if err != nil {
				break
			}
		}
		d.WriteSamples(gap)
	}
	fmt.Println(string(keys))
	// Output: 42#
}

// Play a regional busy tone for two seconds.
func ExampleToneGenerator() {
	busy := media.EuropeanTones().Busy
	g, _ := media.NewToneGenerator(busy, 2*time.Second)
	buf := make([]int16, media.FrameSamples)
	frames, loud := 0, 0
	for {
		n, err := g.ReadSamples(buf)
		if err != nil {
			break
		}
		frames++
		if media.ToneLevel(buf[:n], 425) > -11 {
			loud++
		}
	}
	fmt.Printf("%d frames of %s, %d with 425 Hz at -10 dBm0\n", frames, busy.Name, loud)
	// Output: 100 frames of busy, 50 with 425 Hz at -10 dBm0
}

// A player pops a frame every 20 ms; the network pushes packets as they
// come, here out of order.
func ExampleJitterBuffer() {
	j, _ := media.NewJitterBuffer(media.JitterConfig{Codec: media.CodecPCMU})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	payload := make([]byte, media.FrameSamples)
	j.Push(1, 0, payload, at(0))
	j.Push(3, 320, payload, at(25)) // overtook packet 2
	j.Push(2, 160, payload, at(30))
	frame := make([]int16, media.FrameSamples)
	for ms := 10; ms <= 90; ms += 20 {
		fmt.Println(ms, j.Pop(frame, at(ms)))
	}
	st := j.Stats()
	fmt.Printf("played %d, concealed %d, late %d\n", st.Played, st.Concealed, st.Late)
	// Output:
	// 10 buffering
	// 30 played
	// 50 played
	// 70 played
	// 90 concealed
	// played 3, concealed 1, late 0
}

// Record until three seconds of silence.
func ExampleSilenceDetector() {
	d, _ := media.NewSilenceDetector(media.SilenceConfig{})
	speech, _ := media.NewToneGenerator(media.TonePlan{Components: []media.ToneComponent{{Frequency: 300, Level: -20}}}, time.Second)
	frame := make([]int16, media.FrameSamples)
	var src media.SampleReader = speech
	recorded := 0
	for d.SilentFor() < 3*time.Second {
		n, err := src.ReadSamples(frame)
		if err != nil { // the caller stopped talking: the line goes quiet
			src = media.SampleReaderFunc(func(dst []int16) (int, error) { clear(dst); return len(dst), nil })
			continue
		}
		d.WriteSamples(frame[:n])
		recorded += n
	}
	fmt.Printf("recorded %v\n", time.Duration(recorded)*time.Second/media.SampleRate)
	// Output: recorded 4s
}
