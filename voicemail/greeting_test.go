package voicemail_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/media"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/voicemail"
)

func TestGreetingFor(t *testing.T) {
	office := &schedule.Schedule{Zone: "UTC", Windows: []schedule.Window{{Days: schedule.Weekdays, Start: schedule.At(9, 0), End: schedule.At(17, 0)}}}
	monday10 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday
	monday20 := monday10.Add(10 * time.Hour)
	all := []voicemail.GreetingKind{voicemail.GreetingSimple, voicemail.GreetingScheduled, voicemail.GreetingBusy,
		voicemail.GreetingUnavailable, voicemail.GreetingTemporary, voicemail.GreetingName}
	without := func(k voicemail.GreetingKind) []voicemail.GreetingKind {
		var out []voicemail.GreetingKind
		for _, x := range all {
			if x != k {
				out = append(out, x)
			}
		}
		return out
	}
	B, U, N, D := voicemail.ReasonBusy, voicemail.ReasonUnavailable, voicemail.ReasonNoAnswer, voicemail.ReasonDND
	for _, tc := range []struct {
		name   string
		g      voicemail.Greetings
		reason voicemail.Reason
		now    time.Time
		want   voicemail.GreetingKind
	}{
		{"standard mode plays standard", voicemail.Greetings{Recorded: without(voicemail.GreetingTemporary)}, N, monday10, voicemail.GreetingStandard},
		{"nothing recorded", voicemail.Greetings{Mode: voicemail.ModeSimple}, N, monday10, voicemail.GreetingStandard},
		{"simple", voicemail.Greetings{Mode: voicemail.ModeSimple, Recorded: without(voicemail.GreetingTemporary)}, B, monday10, voicemail.GreetingSimple},
		{"temporary beats everything", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: all}, B, monday10, voicemail.GreetingTemporary},
		{"temporary before expiry", voicemail.Greetings{Recorded: all, TemporaryUntil: monday20}, N, monday10, voicemail.GreetingTemporary},
		{"temporary expired", voicemail.Greetings{Mode: voicemail.ModeSimple, Recorded: all, TemporaryUntil: monday10}, N, monday10, voicemail.GreetingSimple},
		{"conditional busy", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: without(voicemail.GreetingTemporary)}, B, monday10, voicemail.GreetingBusy},
		{"conditional no answer", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: without(voicemail.GreetingTemporary)}, N, monday10, voicemail.GreetingUnavailable},
		{"conditional unavailable", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: without(voicemail.GreetingTemporary)}, U, monday10, voicemail.GreetingUnavailable},
		{"conditional dnd", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: without(voicemail.GreetingTemporary)}, D, monday10, voicemail.GreetingUnavailable},
		{"conditional unknown reason", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: without(voicemail.GreetingTemporary)}, voicemail.ReasonUnknown, monday10, voicemail.GreetingUnavailable},
		{"conditional busy not recorded", voicemail.Greetings{Mode: voicemail.ModeConditional, Recorded: []voicemail.GreetingKind{voicemail.GreetingUnavailable}}, B, monday10, voicemail.GreetingStandard},
		{"scheduled inside", voicemail.Greetings{Mode: voicemail.ModeScheduled, Schedule: office, Recorded: without(voicemail.GreetingTemporary)}, N, monday10, voicemail.GreetingScheduled},
		{"scheduled outside falls to simple", voicemail.Greetings{Mode: voicemail.ModeScheduled, Schedule: office, Recorded: without(voicemail.GreetingTemporary)}, N, monday20, voicemail.GreetingSimple},
		{"scheduled outside, no simple", voicemail.Greetings{Mode: voicemail.ModeScheduled, Schedule: office, Recorded: []voicemail.GreetingKind{voicemail.GreetingScheduled}}, N, monday20, voicemail.GreetingStandard},
		{"scheduled without schedule", voicemail.Greetings{Mode: voicemail.ModeScheduled, Recorded: []voicemail.GreetingKind{voicemail.GreetingScheduled}}, N, monday10, voicemail.GreetingStandard},
		{"scheduled with invalid schedule", voicemail.Greetings{Mode: voicemail.ModeScheduled, Schedule: &schedule.Schedule{Zone: "Local"}, Recorded: []voicemail.GreetingKind{voicemail.GreetingScheduled}}, N, monday10, voicemail.GreetingStandard},
	} {
		if got := tc.g.For(tc.reason, tc.now); got != tc.want {
			t.Errorf("%s: For(%v) = %v, want %v", tc.name, tc.reason, got, tc.want)
		}
	}
}

func TestGreetingRecordEraseAndName(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101"})
	ctx := context.Background()
	for _, k := range []voicemail.GreetingKind{voicemail.GreetingTemporary, voicemail.GreetingName} {
		rec, err := r.svc.BeginRecording(ctx, "101", 0)
		if err != nil {
			t.Fatal(err)
		}
		rec.WriteSamples(tone(time.Second, int(k)))
		if err := r.svc.SaveGreeting(ctx, "101", k, rec); err != nil {
			t.Fatal(err)
		}
	}
	g, err := r.svc.GreetingFor(ctx, "101", voicemail.ReasonBusy, t0)
	if err != nil {
		t.Fatal(err)
	}
	want := voicemail.Greeting{Kind: voicemail.GreetingTemporary, Audio: "101/greeting-temporary.wav", Name: "101/greeting-name.wav"}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("greeting (-want +got):\n%s", diff)
	}
	if err := r.svc.DeleteGreeting(ctx, "101", voicemail.GreetingTemporary); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.DeleteGreeting(ctx, "101", voicemail.GreetingTemporary); !errors.Is(err, voicemail.ErrNoGreeting) {
		t.Errorf("second erase: %v, want ErrNoGreeting", err)
	}
	g, _ = r.svc.GreetingFor(ctx, "101", voicemail.ReasonBusy, t0)
	want = voicemail.Greeting{Kind: voicemail.GreetingStandard, Name: "101/greeting-name.wav"}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("greeting after erase (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"101/greeting-name.wav"}, r.fs.Files()); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func wavBytes(t testing.TB, f media.WAVFormat, samples []int16) []byte {
	t.Helper()
	var ws writeSeeker
	w, err := media.NewWAVWriter(&ws, f)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteSamples(samples)
	w.Close()
	return ws.b
}

type writeSeeker struct {
	b   []byte
	off int
}

func (w *writeSeeker) Write(p []byte) (int, error) {
	if need := w.off + len(p); need > len(w.b) {
		w.b = append(w.b, make([]byte, need-len(w.b))...)
	}
	copy(w.b[w.off:], p)
	w.off += len(p)
	return len(p), nil
}

func (w *writeSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case 1:
		off += int64(w.off)
	case 2:
		off += int64(len(w.b))
	}
	w.off = int(off)
	return off, nil
}

func TestGreetingUpload(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("../media/testdata/audio/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	stereo := read("sox-44100-stereo.wav")
	pcm := wavBytes(t, media.WAVFormat{Encoding: media.WAVPCM16, Rate: 16000, Channels: 1}, tone(2*time.Second, 1))
	for _, tc := range []struct {
		name    string
		data    []byte
		max     time.Duration
		wantErr error
		samples int // 8 kHz samples stored, when accepted
	}{
		{"PCM WAV 16 kHz", pcm, 0, nil, 8000},
		{"sox stereo 44.1 kHz WAV", stereo, 0, nil, -1},
		{"ffmpeg WAV with LIST", read("ffmpeg-16000-list.wav"), 0, nil, -1},
		{"µ-law WAV", read("sox-8000-ulaw.wav"), 0, nil, -1},
		{"MP3 with ID3", read("lame-44100-id3.mp3"), 0, nil, -1},
		{"MPEG-2.5 MP3", read("lame-8000-mpeg25.mp3"), 0, voicemail.ErrUnsupportedAudio, 0},
		{"not audio", []byte("%PDF-1.7 this is a document, not a greeting"), 0, voicemail.ErrNotAudio, 0},
		{"empty", nil, 0, voicemail.ErrNotAudio, 0},
		{"truncated WAV", pcm[:len(pcm)/2], 0, voicemail.ErrBrokenAudio, 0},
		{"too long", pcm, 500 * time.Millisecond, voicemail.ErrGreetingTooLong, 0},
		{"header only", pcm[:44], 0, voicemail.ErrBrokenAudio, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			svc, err := voicemail.New(voicemail.Config{FS: r.fs, Store: r.store, MaxGreetingLength: tc.max})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := svc.CreateMailbox(ctx, voicemail.Mailbox{ID: "101", Greetings: voicemail.Greetings{Mode: voicemail.ModeSimple}}); err != nil {
				t.Fatal(err)
			}
			err = svc.SetGreetingFromUpload(ctx, "101", voicemail.GreetingSimple, bytes.NewReader(tc.data))
			mb, _ := svc.Mailbox(ctx, "101")
			if tc.wantErr != nil {
				var ue *voicemail.UploadError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want an *UploadError of %v", err, tc.wantErr)
				}
				if mb.Greetings.Has(voicemail.GreetingSimple) || len(r.fs.Files()) != 0 {
					t.Errorf("a refused upload changed the mailbox: %v, files %v", mb.Greetings, r.fs.Files())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, svc, "101/greeting-simple.wav")
			if tc.samples > 0 && len(got) != tc.samples {
				t.Errorf("stored %d samples, want %d", len(got), tc.samples)
			}
			if len(got) == 0 || !mb.Greetings.Has(voicemail.GreetingSimple) {
				t.Errorf("greeting not installed: %d samples, %v", len(got), mb.Greetings)
			}
		})
	}
	t.Run("MPEG-2.5 error says so", func(t *testing.T) {
		r := newRig(t, voicemail.Mailbox{ID: "101"})
		err := r.svc.SetGreetingFromUpload(context.Background(), "101", voicemail.GreetingSimple, bytes.NewReader(read("lame-8000-mpeg25.mp3")))
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("MPEG-2.5")) {
			t.Errorf("error %q does not name MPEG-2.5", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		r := newRig(t, voicemail.Mailbox{ID: "101"})
		svc, _ := voicemail.New(voicemail.Config{FS: r.fs, Store: r.store, MaxUploadBytes: 1000})
		err := svc.SetGreetingFromUpload(context.Background(), "101", voicemail.GreetingSimple, bytes.NewReader(pcm))
		if !errors.Is(err, voicemail.ErrUploadTooLarge) {
			t.Errorf("err = %v, want ErrUploadTooLarge", err)
		}
	})
}

func FuzzGreetingUpload(f *testing.F) {
	for _, n := range []string{"sox-8000-ulaw.wav", "ffmpeg-16000-list.wav", "lame-44100-id3.mp3", "lame-8000-mpeg25.mp3"} {
		if b, err := os.ReadFile("../media/testdata/audio/" + n); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig(t, voicemail.Mailbox{ID: "101"})
		svc, _ := voicemail.New(voicemail.Config{FS: r.fs, Store: r.store, MaxUploadBytes: 1 << 20, MaxGreetingLength: 10 * time.Second})
		ctx := context.Background()
		err := svc.SetGreetingFromUpload(ctx, "101", voicemail.GreetingSimple, bytes.NewReader(data))
		mb, _ := svc.Mailbox(ctx, "101")
		files := r.fs.Files()
		if err != nil {
			// Invariant: a refusal is typed and leaves nothing behind.
			var ue *voicemail.UploadError
			if !errors.As(err, &ue) {
				t.Fatalf("untyped error %v", err)
			}
			if mb.Greetings.Has(voicemail.GreetingSimple) || len(files) != 0 {
				t.Fatalf("refused upload left %v / %v", mb.Greetings, files)
			}
			return
		}
		// Invariant: an accepted upload is a playable, non-empty, bounded
		// 8 kHz greeting, and the only file.
		got := readAll(t, svc, "101/greeting-simple.wav")
		if len(got) == 0 || len(got) > 10*8000 || len(files) != 1 {
			t.Fatalf("accepted upload stored %d samples, files %v", len(got), files)
		}
	})
}

// TestGreetingForSchedules: several schedules, each with its greeting
// (FortiVoice "add a Schedule and assign a Greeting"). The first active
// entry whose greeting is recorded wins, then the single Schedule, then
// simple; temporary and conditional rules still come first.
func TestGreetingForSchedules(t *testing.T) {
	utc := func(days schedule.DaySet, h0, h1 int) schedule.Schedule {
		return schedule.Schedule{Zone: "UTC", Windows: []schedule.Window{{Days: days, Start: schedule.At(h0, 0), End: schedule.At(h1, 0)}}}
	}
	lunch := utc(schedule.Weekdays, 12, 14)
	office := utc(schedule.Weekdays, 9, 17)
	night := utc(schedule.Weekdays, 17, 23)
	monday := func(h int) time.Time { return time.Date(2026, 3, 2, h, 30, 0, 0, time.UTC) }
	S, Sc, B, U := voicemail.GreetingSimple, voicemail.GreetingScheduled, voicemail.GreetingBusy, voicemail.GreetingUnavailable
	g := voicemail.Greetings{
		Mode: voicemail.ModeScheduled,
		Schedules: []voicemail.ScheduledGreeting{
			{Schedule: lunch, Greeting: U},  // first: wins over office at lunch time
			{Schedule: office, Greeting: B}, // overlaps lunch
			{Schedule: night, Greeting: Sc}, // Sc not recorded in some cases
		},
		Schedule: &office,
		Recorded: []voicemail.GreetingKind{S, Sc, B, U},
	}
	for _, tc := range []struct {
		name string
		g    func(voicemail.Greetings) voicemail.Greetings
		at   int
		want voicemail.GreetingKind
	}{
		{"lunch: first entry", nil, 12, U},
		{"office: second entry", nil, 10, B},
		{"evening: third entry", nil, 18, Sc},
		{"outside all: simple", nil, 3, S},
		{"first entry's greeting not recorded: next active entry", func(g voicemail.Greetings) voicemail.Greetings {
			g.Recorded = []voicemail.GreetingKind{S, Sc, B}
			return g
		}, 12, B},
		{"no active entry recorded: the single Schedule's scheduled greeting", func(g voicemail.Greetings) voicemail.Greetings {
			g.Recorded = []voicemail.GreetingKind{S, Sc}
			return g
		}, 10, Sc},
		{"temporary still first", func(g voicemail.Greetings) voicemail.Greetings {
			g.Recorded = append(g.Recorded, voicemail.GreetingTemporary)
			return g
		}, 12, voicemail.GreetingTemporary},
		{"schedules ignored outside ModeScheduled", func(g voicemail.Greetings) voicemail.Greetings {
			g.Mode = voicemail.ModeSimple
			return g
		}, 12, S},
	} {
		gg := g
		if tc.g != nil {
			gg = tc.g(g)
		}
		if got := gg.For(voicemail.ReasonNoAnswer, monday(tc.at)); got != tc.want {
			t.Errorf("%s: For at %d:30 = %v, want %v", tc.name, tc.at, got, tc.want)
		}
	}
	if err := g.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for name, bad := range map[string]voicemail.Greetings{
		"temporary cannot be scheduled": {Schedules: []voicemail.ScheduledGreeting{{Schedule: office, Greeting: voicemail.GreetingTemporary}}},
		"name cannot be scheduled":      {Schedules: []voicemail.ScheduledGreeting{{Schedule: office, Greeting: voicemail.GreetingName}}},
		"invalid schedule":              {Schedules: []voicemail.ScheduledGreeting{{Schedule: schedule.Schedule{Zone: "Local"}, Greeting: S}}},
		"too many":                      {Schedules: make([]voicemail.ScheduledGreeting, voicemail.MaxSchedules+1)},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}
