package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
)

func TestCallSettingsRoundTripAndVersions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := s.CreateUser(ctx, account.User{Extension: "803", Name: "Ann", Access: account.AccessUser, Created: now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CallSettings(ctx, "803"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("settings never saved: err %v, want ErrNotFound", err)
	}
	want := callhandling.Settings{
		Extension: "803", RingSeconds: 20, Voicemail: true, DND: true,
		Forwarding: callhandling.Forwarding{Busy: callhandling.Forward{Active: true, Destination: "804"}},
		FollowMe:   []callhandling.FollowMeProfile{{Name: "m", Numbers: []callhandling.FollowMeNumber{{Number: "0612345678", Seconds: 10}}}},
		Statuses: callhandling.Statuses{Normal: callhandling.Process{UserDefined: true, Rules: []callhandling.Rule{
			{Callers: callhandling.Callers(callhandling.ClassExternal), Action: callhandling.ActionVoicemail}}}},
		QuickMode: callhandling.QuickMode{Mode: callhandling.ModeAway, Until: now.Add(time.Hour)},
		Lock:      callhandling.Lock{Enabled: true, Password: "1234", Locked: true},
	}
	v, err := s.PutCallSettings(ctx, want, 0, now)
	if err != nil || v != 1 {
		t.Fatalf("first save: version %d, %v", v, err)
	}
	// A save based on a stale version is refused and changes nothing.
	stale := want
	stale.DND = false
	if _, err := s.PutCallSettings(ctx, stale, 0, now); !errors.Is(err, ErrStale) {
		t.Fatalf("stale save: %v, want ErrStale", err)
	}
	if v, err := s.PutCallSettings(ctx, want, 1, now); err != nil || v != 2 {
		t.Fatalf("second save: version %d, %v", v, err)
	}
	// The settings survive closing and reopening the database.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, v, err := s.CallSettings(ctx, "803")
	if err != nil || v != 2 {
		t.Fatalf("read back: version %d, %v", v, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings after reopening (-want +got):\n%s", diff)
	}
	// Unconditional save, and no settings for an extension that does not exist.
	if v, err := s.PutCallSettings(ctx, stale, -1, now); err != nil || v != 3 {
		t.Errorf("unconditional save: version %d, %v", v, err)
	}
	if _, err := s.PutCallSettings(ctx, callhandling.Settings{Extension: "999"}, -1, now); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("save for a missing extension: %v, want ErrNotFound", err)
	}
	// Deleting the user deletes the settings.
	if err := s.DeleteUser(ctx, "803"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CallSettings(ctx, "803"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("settings of a deleted user: %v, want ErrNotFound", err)
	}
}

func TestCallSystemRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openContacts(t)
	if _, ok, err := s.CallSystem(ctx); ok || err != nil {
		t.Fatalf("fresh database: ok %v, err %v; want none stored", ok, err)
	}
	sched, err := schedule.Parse("tz=Europe/Paris; mon-fri 09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	want := CallSystem{
		Plan:      phonenumber.Plan{ExtensionLengths: phonenumber.Lengths{Min: 3, Max: 3}, Emergency: []string{"112"}, OutsidePrefixes: []string{"9"}},
		Blacklist: []string{"+33612345678"}, DefaultRingSeconds: 25,
		Schedules: map[string]schedule.Schedule{"business_hour": sched}, TimeZone: "Europe/Paris",
	}
	for range 2 { // insert, then update
		if err := s.PutCallSystem(ctx, want, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := s.CallSystem(ctx)
	if !ok || err != nil {
		t.Fatalf("read back: ok %v, err %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("call system (-want +got):\n%s", diff)
	}
}
