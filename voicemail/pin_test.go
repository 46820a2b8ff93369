package voicemail_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/telekit/telekit/voicemail"
)

func TestDefaultCheckPIN(t *testing.T) {
	for _, tc := range []struct {
		pin string
		ok  bool
	}{
		{"2580", true}, {"8901", true}, {"123456789012", true}, {"9731", true},
		{"123", false}, {"1234567890123", false}, {"12a4", false}, {"", false},
		{"0000", false}, {"99999", false}, {"1234", false}, {"4321", false}, {"6789", false},
		{"1010", true},  // repeated groups: only account.ValidatePIN refuses them
		{"5101", false}, // the mailbox number "1015" reversed
		{"1015", false},
	} {
		err := voicemail.DefaultCheckPIN("1015", tc.pin)
		var pe *voicemail.PINError
		if (err == nil) != tc.ok || (err != nil && !errors.As(err, &pe)) {
			t.Errorf("DefaultCheckPIN(%q) = %v, want ok=%v", tc.pin, err, tc.ok)
		}
	}
}

func TestArgon2PINHasher(t *testing.T) {
	var h voicemail.Argon2PINHasher
	enc, err := h.HashPIN("2580")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pin  string
		want bool
	}{{"2580", true}, {"2581", false}, {"", false}} {
		if ok, err := h.VerifyPIN(enc, tc.pin); ok != tc.want || err != nil {
			t.Errorf("VerifyPIN(%q) = %v, %v; want %v", tc.pin, ok, err, tc.want)
		}
	}
	if _, err := h.VerifyPIN("2580", "2580"); err == nil {
		t.Error("a plain-text PIN was accepted as a hash")
	}
}

func TestLoginLockoutBackoffSurvivesRestart(t *testing.T) {
	r := newRig(t, voicemail.Mailbox{ID: "101"})
	ctx := context.Background()
	if err := r.svc.SetPIN(ctx, "101", "1111"); err == nil {
		t.Fatal("SetPIN accepted 1111")
	}
	if err := r.svc.Login(ctx, "101", "", t0); !errors.Is(err, voicemail.ErrWrongPIN) {
		t.Errorf("login to a mailbox without PIN: %v, want ErrWrongPIN", err)
	}
	if err := r.svc.SetPIN(ctx, "101", "2580"); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Login(ctx, "101", "2580", t0); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	type step struct {
		pin     string
		at      time.Duration // after t0
		restart bool
		want    string // "ok", "wrong", "locking" (wrong and now locked), "locked"
	}
	steps := []step{
		{"0000", 0, false, "wrong"}, {"0000", 1, false, "wrong"}, {"0000", 2, false, "wrong"},
		{"0000", 3, false, "wrong"}, {"0000", 4, false, "locking"}, // 5th: locked 1 min
		{"2580", 30 * time.Second, true, "locked"}, // right PIN, still locked, after a restart
		{"0000", 61 * time.Second, false, "wrong"},
		{"0000", 62 * time.Second, false, "wrong"}, {"0000", 63 * time.Second, false, "wrong"},
		{"0000", 64 * time.Second, true, "wrong"}, {"0000", 65 * time.Second, false, "locking"}, // 2nd lock: 2 min
		{"2580", 65*time.Second + 119*time.Second, false, "locked"},
		{"2580", 65*time.Second + 121*time.Second, false, "ok"},
		{"0000", 190 * time.Second, false, "wrong"}, // success reset the count
	}
	svc := r.svc
	for i, st := range steps {
		if st.restart {
			svc = r.service(t)
		}
		err := svc.Login(ctx, "101", st.pin, t0.Add(st.at))
		var got string
		switch {
		case err == nil:
			got = "ok"
		case errors.Is(err, voicemail.ErrWrongPIN) && errors.Is(err, voicemail.ErrLocked):
			got = "locking"
		case errors.Is(err, voicemail.ErrLocked):
			got = "locked"
		case errors.Is(err, voicemail.ErrWrongPIN):
			got = "wrong"
		default:
			t.Fatalf("step %d: %v", i, err)
		}
		if got != st.want {
			t.Errorf("step %d (%s at +%v): %s, want %s", i, st.pin, st.at, got, st.want)
		}
	}
	st, _ := r.store.GetPINState(ctx, "101")
	if diff := cmp.Diff(voicemail.PINState{Failures: 1}, st); diff != "" {
		t.Errorf("final PIN state (-want +got):\n%s", diff)
	}
	// Lock again, then the admin's SetPIN unlocks.
	for i := range 5 {
		svc.Login(ctx, "101", "0000", t0.Add(time.Hour+time.Duration(i)))
	}
	if err := svc.Login(ctx, "101", "2580", t0.Add(time.Hour+time.Second)); !errors.Is(err, voicemail.ErrLocked) {
		t.Fatalf("not locked: %v", err)
	}
	if err := svc.SetPIN(ctx, "101", "9731"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Login(ctx, "101", "9731", t0.Add(time.Hour+2*time.Second)); err != nil {
		t.Errorf("after the PIN was reset: %v", err)
	}
}
