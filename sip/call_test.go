package sip

import (
	"context"
	"errors"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	"github.com/google/go-cmp/cmp"
)

func TestOutcomeOfStatus(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   Outcome
	}{
		{486, OutcomeBusy}, {600, OutcomeBusy}, {603, OutcomeRejected}, {404, OutcomeRejected},
		{480, OutcomeUnavailable}, {408, OutcomeUnavailable}, {503, OutcomeUnavailable}, {302, OutcomeRejected},
	} {
		if got := outcomeOf(tt.status); got != tt.want {
			t.Errorf("outcomeOf(%d) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestDefaultNextStep(t *testing.T) {
	for _, tt := range []struct {
		a        Attempt
		wantCode int
	}{
		{Attempt{Outcome: OutcomeBusy, Status: 486}, 486},
		{Attempt{Outcome: OutcomeNoAnswer}, 480},
		{Attempt{Outcome: OutcomeUnavailable, Status: 503}, 480},
		{Attempt{Outcome: OutcomeRejected, Status: 603}, 603},
		{Attempt{Outcome: OutcomeRejected, Status: 488}, 488},
	} {
		tg, err := DefaultNextStep(context.Background(), nil, tt.a)
		code, _ := statusOf(err)
		if code != tt.wantCode || len(tg.Bindings) != 0 {
			t.Errorf("DefaultNextStep(%v %d) = %v %d, want %d", tt.a.Outcome, tt.a.Status, tg, code, tt.wantCode)
		}
	}
	if code, _ := statusOf(errors.New("database down")); code != 500 {
		t.Errorf("a plain error maps to %d, want 500", code)
	}
}

func TestExtensionRouter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	loc := staticLocator{"201": {AOR: "201", Contact: "sip:201@192.0.2.1"}}
	r := ExtensionRouter(loc, func(ext string) bool { return ext == "201" || ext == "202" }, 15*time.Second, func() time.Time { return now })
	for _, tt := range []struct {
		to   string
		want Target
		err  error
	}{
		{"201", Target{Bindings: []Binding{loc["201"]}, RingFor: 15 * time.Second}, nil},
		{"202", Target{}, ErrUnavailable},
		{"999", Target{}, ErrNotFound},
	} {
		got, err := r.Route(context.Background(), &Call{To: tt.to})
		if !errors.Is(err, tt.err) {
			t.Errorf("Route(%s) error %v, want %v", tt.to, err, tt.err)
		}
		if diff := cmp.Diff(tt.want, got, cmpAddrPort); diff != "" {
			t.Errorf("Route(%s) (-want +got):\n%s", tt.to, diff)
		}
	}
}

func TestSessionExpiresHeader(t *testing.T) {
	for _, tt := range []struct {
		hdrs      map[string]string
		se, minSE time.Duration
		refresher string
		wantErr   bool
	}{
		{map[string]string{}, 0, 0, "", false},
		{map[string]string{"Session-Expires": "1800;refresher=UAC", "Min-SE": "90"}, 1800 * time.Second, 90 * time.Second, "uac", false},
		{map[string]string{"x": "120"}, 120 * time.Second, 0, "", false},
		{map[string]string{"Session-Expires": "soon"}, 0, 0, "", true},
		{map[string]string{"Session-Expires": "0"}, 0, 0, "", true},
	} {
		req := gosip.NewRequest(gosip.INVITE, gosip.Uri{Scheme: "sip", Host: "example.com"})
		for k, v := range tt.hdrs {
			req.AppendHeader(gosip.NewHeader(k, v))
		}
		se, refresher, minSE, err := sessionExpires(req)
		if (err != nil) != tt.wantErr || se != tt.se || minSE != tt.minSE || refresher != tt.refresher {
			t.Errorf("%v: got %v %q %v %v, want %v %q %v err=%v", tt.hdrs, se, refresher, minSE, err, tt.se, tt.refresher, tt.minSE, tt.wantErr)
		}
	}
}
