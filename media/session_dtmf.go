package media

import (
	"context"
	"fmt"
	"time"
)

// DigitTiming sets how SendDigits presses keys. The zero value gives
// 100 ms tones with 100 ms gaps, comfortable for IVRs and voicemail menus.
type DigitTiming struct {
	// Tone is how long each key is held; zero means 100 ms.
	Tone time.Duration
	// Gap is the pause after each key; zero means 100 ms.
	Gap time.Duration
	// Pause is how long a ',' in the digits waits; zero means 500 ms.
	Pause time.Duration
}

// SendDigits sends digits ('0'–'9', '*', '#', 'A'–'D'; ',' pauses) as RFC
// 4733 telephone-events on the session's event payload type, paced in real
// time with one packet every FrameDuration, and returns when the last end
// packet has gone out, or with ctx's error.
//
// The events take the place of audio: the caller must not send audio
// while SendDigits runs, and afterwards the audio clock has advanced by
// the time spent, so the peer sees one continuous timeline. Invalid digits
// are reported before anything is sent.
func (s *Session) SendDigits(ctx context.Context, digits string, timing DigitTiming) error {
	if timing.Tone <= 0 {
		timing.Tone = 100 * time.Millisecond
	}
	if timing.Gap <= 0 {
		timing.Gap = 100 * time.Millisecond
	}
	if timing.Pause <= 0 {
		timing.Pause = 500 * time.Millisecond
	}
	for i := 0; i < len(digits); i++ {
		if _, ok := DTMFEventForDigit(digits[i]); !ok && digits[i] != ',' {
			return fmt.Errorf("media: send digits: %q at position %d is not a DTMF key", digits[i], i)
		}
	}
	snd, err := NewDTMFSender(DTMFSenderConfig{Interval: FrameDuration})
	if err != nil {
		return err
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	wait := func(until time.Time) error {
		d := until.Sub(s.clock())
		if d <= 0 {
			return ctx.Err()
		}
		timer.Reset(d)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		}
	}
	// pause lets d of audio time pass without sending.
	pause := func(d time.Duration) error {
		start := s.clock()
		err := wait(start.Add(d))
		s.SkipSamples(int(d * SampleRate / time.Second))
		return err
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] == ',' {
			if err := pause(timing.Pause); err != nil {
				return err
			}
			continue
		}
		ev, _ := DTMFEventForDigit(digits[i])
		start := s.clock()
		if err := snd.Start(ev, timing.Tone, s.Timestamp(), start); err != nil {
			return err
		}
		for {
			at, ok := snd.NextAt()
			if !ok {
				break
			}
			if err := wait(at); err != nil {
				return err
			}
			for pkt, ok := snd.Next(s.clock()); ok; pkt, ok = snd.Next(s.clock()) {
				if err := s.WriteRTP(s.evPT, pkt.Timestamp, pkt.Marker, pkt.Payload[:]); err != nil {
					return fmt.Errorf("media: send digits: %w", err)
				}
			}
		}
		// The event occupied the audio timeline from its start until
		// its last packet; the gap follows.
		s.SkipSamples(int(s.clock().Sub(start) * SampleRate / time.Second))
		if err := pause(timing.Gap); err != nil {
			return err
		}
	}
	return nil
}
