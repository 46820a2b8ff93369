package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telekit/telekit/account"
	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/phonenumber"
	"github.com/telekit/telekit/schedule"
	"github.com/telekit/telekit/store"
)

// The call system: what is the same for every user (the system blacklist,
// the emergency numbers, the named schedules users' rules refer to, the
// default ring time, the numbering plan). Administrators change it
//
//	GET /api/v1/admin/callsystem   the configuration (callSystemView)
//	PUT /api/v1/admin/callsystem   replace it; validated, 400 naming every wrong field
//
// and from the command line with `pbx callsystem show|set`. A change is
// refused when a user's saved settings would no longer be valid under it
// (a schedule they use removed, a blacklisted number that is now an
// extension…). The API's change takes effect at once: calls already in
// progress see the new system from their next step. The command line
// writes the data directory; a running server reads it at its next start.

// callSystemView is the call system as the API and `pbx callsystem show
// -json` write it: snake_case fields, schedules in their text form.
type callSystemView struct {
	// Blacklist is the system blacklist: calls from these numbers are
	// refused for every user. Extensions cannot be blacklisted.
	Blacklist []string `json:"blacklist"`
	// Emergency are the emergency numbers, always allowed out.
	Emergency []string `json:"emergency"`
	// Schedules are the named schedules, in schedule's text form
	// ("tz=Europe/Paris; mon-fri 09:00-17:00").
	Schedules map[string]string `json:"schedules"`
	// DefaultRingSeconds is the ring time of users who set none, in whole
	// seconds; 0 means 30.
	DefaultRingSeconds int `json:"default_ring_seconds"`
	// TimeZone is the IANA zone of "the end of the day" for quick modes
	// entered from the phone; "" means UTC.
	TimeZone string `json:"time_zone"`
	// NumberingPlan is how numbers are told apart and written.
	NumberingPlan planView `json:"numbering_plan"`
}

// planView is a phonenumber.Plan without its emergency numbers (which
// callSystemView lists on their own).
type planView struct {
	CountryCode           string      `json:"country_code"`
	TrunkPrefix           string      `json:"trunk_prefix"`
	InternationalPrefixes []string    `json:"international_prefixes"`
	OutsidePrefixes       []string    `json:"outside_prefixes"`
	NationalLengths       lengthsView `json:"national_lengths"`
	ExtensionLengths      lengthsView `json:"extension_lengths"`
	ExtensionRanges       []rangeView `json:"extension_ranges"`
	Grouping              []int       `json:"grouping"`
}

type lengthsView struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

type rangeView struct {
	First string `json:"first"`
	Last  string `json:"last"`
}

// nonNil returns s, or an empty slice for nil, so JSON shows [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// systemViewOf writes the stored call system as the API shows it.
func systemViewOf(cs store.CallSystem) callSystemView {
	p := cs.Plan
	v := callSystemView{Blacklist: nonNil(slices.Clone(cs.Blacklist)), Emergency: nonNil(slices.Clone(p.Emergency)),
		Schedules: map[string]string{}, DefaultRingSeconds: cs.DefaultRingSeconds, TimeZone: cs.TimeZone,
		NumberingPlan: planView{CountryCode: p.CountryCode, TrunkPrefix: p.TrunkPrefix,
			InternationalPrefixes: nonNil(slices.Clone(p.InternationalPrefixes)), OutsidePrefixes: nonNil(slices.Clone(p.OutsidePrefixes)),
			NationalLengths:  lengthsView{p.NationalLengths.Min, p.NationalLengths.Max},
			ExtensionLengths: lengthsView{p.ExtensionLengths.Min, p.ExtensionLengths.Max},
			ExtensionRanges:  []rangeView{}, Grouping: nonNil(slices.Clone(p.Grouping))}}
	for _, r := range p.ExtensionRanges {
		v.NumberingPlan.ExtensionRanges = append(v.NumberingPlan.ExtensionRanges, rangeView{r.First, r.Last})
	}
	for name, sc := range cs.Schedules {
		sc.Name = ""
		v.Schedules[name] = sc.String()
	}
	return v
}

// callSystemOf reads the API's form back; a schedule whose text does not
// parse is reported as a field error.
func callSystemOf(v callSystemView) (store.CallSystem, error) {
	pv := v.NumberingPlan
	cs := store.CallSystem{Blacklist: v.Blacklist, DefaultRingSeconds: v.DefaultRingSeconds, TimeZone: v.TimeZone,
		Plan: phonenumber.Plan{CountryCode: pv.CountryCode, TrunkPrefix: pv.TrunkPrefix,
			InternationalPrefixes: pv.InternationalPrefixes, OutsidePrefixes: pv.OutsidePrefixes,
			NationalLengths:  phonenumber.Lengths{Min: pv.NationalLengths.Min, Max: pv.NationalLengths.Max},
			ExtensionLengths: phonenumber.Lengths{Min: pv.ExtensionLengths.Min, Max: pv.ExtensionLengths.Max},
			Emergency:        v.Emergency, Grouping: pv.Grouping}}
	for _, r := range pv.ExtensionRanges {
		cs.Plan.ExtensionRanges = append(cs.Plan.ExtensionRanges, phonenumber.Range{First: r.First, Last: r.Last})
	}
	var errs []error
	if len(v.Schedules) > 0 {
		cs.Schedules = map[string]schedule.Schedule{}
	}
	for _, name := range slices.Sorted(maps.Keys(v.Schedules)) {
		sc, err := schedule.Parse(v.Schedules[name])
		if err != nil {
			errs = append(errs, &callhandling.SettingsError{Field: "schedules." + name, Value: v.Schedules[name], Err: err})
			continue
		}
		cs.Schedules[name] = sc
	}
	return cs, errors.Join(errs...)
}

// settingsLister is what checking a call system against the users' saved
// settings needs of the store.
type settingsLister interface {
	ListUsers(ctx context.Context) ([]account.User, error)
	CallSettings(ctx context.Context, ext string) (callhandling.Settings, int64, error)
}

// checkCallSystem compiles cs with dir as its directory (nil: the users'
// saved settings) and checks it: the system's own validation, a default
// ring time within callhandling's limits, emergency numbers that are
// digits, and every user's saved settings still valid under it. Every
// problem is a *callhandling.SettingsError, joined.
func checkCallSystem(ctx context.Context, st settingsLister, cs store.CallSystem, dir callhandling.Lookup) (*callhandling.System, error) {
	var errs []error
	if n := cs.DefaultRingSeconds; n < 0 || n > callhandling.MaxRingSeconds {
		errs = append(errs, &callhandling.SettingsError{Field: "default_ring_seconds", Value: strconv.Itoa(n),
			Err: callhandling.ErrBadSeconds, Detail: "0 (30 seconds) to " + strconv.Itoa(callhandling.MaxRingSeconds)})
	}
	for i, e := range cs.Plan.Emergency {
		if e == "" || strings.Trim(e, "0123456789") != "" {
			errs = append(errs, &callhandling.SettingsError{Field: fmt.Sprintf("emergency[%d]", i), Value: e,
				Err: callhandling.ErrBadNumber, Detail: "digits only"})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	users, err := st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	saved := callhandling.MapLookup{}
	for _, u := range users {
		set, _, err := st.CallSettings(ctx, u.Extension)
		switch {
		case errors.Is(err, account.ErrNotFound):
			set = defaultSettings(u.Extension)
		case err != nil:
			return nil, err
		}
		saved[u.Extension] = set
	}
	if dir == nil {
		dir = saved
	}
	sys, err := buildCallSystem(cs, dir)
	if err != nil {
		return nil, systemFieldErrors(err)
	}
	for _, ext := range slices.Sorted(maps.Keys(saved)) {
		set := saved[ext]
		if err := callhandling.Validate(&set, sys); err != nil {
			errs = append(errs, &callhandling.SettingsError{Field: "users." + ext, Err: errors.New("extension " + ext +
				"'s call-handling settings would no longer be valid"), Detail: err.Error()})
		}
	}
	for _, b := range cs.Blacklist {
		if _, ok := saved[b]; ok {
			errs = append(errs, &callhandling.SettingsError{Field: "blacklist", Value: b, Err: callhandling.ErrNotBlockable})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sys, nil
}

// systemFieldErrors names the field of buildCallSystem's errors that do
// not name one (a bad plan, time zone or schedule).
func systemFieldErrors(err error) error {
	var se *callhandling.SettingsError
	if errors.As(err, &se) {
		// Down to the joined field errors, so that each is reported.
		for {
			if _, joined := err.(interface{ Unwrap() []error }); joined {
				return err
			}
			u := errors.Unwrap(err)
			if u == nil {
				return err
			}
			err = u
		}
	}
	msg := err.Error()
	field := "numbering_plan"
	switch {
	case strings.Contains(msg, "time zone"):
		field = "time_zone"
	case strings.Contains(msg, "schedule"):
		field = "schedules"
	}
	return &callhandling.SettingsError{Field: field, Err: err}
}

// systemStore is what changing the call system needs of the store.
type systemStore interface {
	settingsLister
	PutCallSystem(ctx context.Context, c store.CallSystem, now time.Time) error
}

// system returns the call system calls are decided with now.
func (ch *callHandling) system() *callhandling.System { return ch.sys.Load() }

// systemConf returns the stored form of the call system.
func (ch *callHandling) systemConf() store.CallSystem {
	ch.sysMu.Lock()
	defer ch.sysMu.Unlock()
	return ch.sysConf
}

// changeSystem applies change to the call system, checks the result,
// saves it and makes calls use it. A refused change is a *settingsError.
func (ch *callHandling) changeSystem(ctx context.Context, change func(*store.CallSystem) error) (store.CallSystem, error) {
	ch.sysMu.Lock()
	defer ch.sysMu.Unlock()
	st, ok := ch.st.(systemStore)
	if !ok {
		return store.CallSystem{}, errors.New("the store cannot save the call system")
	}
	cs := cloneSystem(ch.sysConf)
	if err := change(&cs); err != nil {
		return store.CallSystem{}, &settingsError{err}
	}
	sys, err := checkCallSystem(ctx, st, cs, callhandling.LookupFunc(ch.lookup))
	var se *callhandling.SettingsError
	if errors.As(err, &se) {
		return store.CallSystem{}, &settingsError{err}
	}
	if err != nil {
		return store.CallSystem{}, err
	}
	if err := st.PutCallSystem(ctx, cs, ch.now()); err != nil {
		return store.CallSystem{}, err
	}
	ch.sys.Store(sys)
	ch.sysConf = cs
	if ch.planChanged != nil {
		// Still under sysMu, so two changes reach the contact book in
		// the order they were saved. The change is saved and in use for
		// calls; a failed rebuild leaves the contacts on the old plan.
		if err := ch.planChanged(ctx, cs.Plan); err != nil {
			ch.log.Error("call system: numbering plan not applied to the contacts", "err", err)
		}
	}
	return cs, nil
}

// cloneSystem copies cs deeply enough that changing the copy's lists and
// map leaves cs alone.
func cloneSystem(cs store.CallSystem) store.CallSystem {
	out := cs
	out.Blacklist = slices.Clone(cs.Blacklist)
	out.Plan.Emergency = slices.Clone(cs.Plan.Emergency)
	out.Plan.OutsidePrefixes = slices.Clone(cs.Plan.OutsidePrefixes)
	out.Plan.InternationalPrefixes = slices.Clone(cs.Plan.InternationalPrefixes)
	out.Plan.ExtensionRanges = slices.Clone(cs.Plan.ExtensionRanges)
	out.Plan.Grouping = slices.Clone(cs.Plan.Grouping)
	out.Schedules = maps.Clone(cs.Schedules)
	return out
}

// isAdmin reports whether ext has administrator access (account.AccessAdmin).
func (ch *callHandling) isAdmin(ctx context.Context, ext string) bool {
	u, err := ch.st.GetUser(ctx, ext)
	return err == nil && u.Access == account.AccessAdmin
}

// handleCallSystem adds the administrators' call-system endpoints.
func (p *portal) handleCallSystem(ch *callHandling) {
	admin := func(h http.HandlerFunc) http.Handler {
		return p.authed(func(w http.ResponseWriter, r *http.Request) {
			if !ch.isAdmin(r.Context(), userOf(r).ext) {
				writeError(w, http.StatusForbidden, "the call system is managed by an administrator")
				return
			}
			h(w, r)
		}, false)
	}
	p.mux.Handle("GET /api/v1/admin/callsystem", admin(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, systemViewOf(ch.systemConf()))
	}))
	p.mux.Handle("PUT /api/v1/admin/callsystem", admin(func(w http.ResponseWriter, r *http.Request) {
		var v callSystemView
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSettingsBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			writeJSON(w, http.StatusBadRequest, settingsErrorBody{Error: "want the call system as JSON: " + err.Error(), Fields: []settingsField{}})
			return
		}
		cs, err := ch.changeSystem(r.Context(), func(cs *store.CallSystem) error {
			next, err := callSystemOf(v)
			*cs = next
			return err
		})
		var se *settingsError
		switch {
		case errors.As(err, &se):
			writeJSON(w, http.StatusBadRequest, settingsErrorBody{Error: se.Error(), Fields: fieldErrors(se.err)})
			return
		case err != nil:
			ch.log.Error("put call system", "ext", userOf(r).ext, "err", err)
			writeError(w, http.StatusInternalServerError, "internal error")
			return
		}
		ch.log.Info("call system saved", "by", userOf(r).ext, "source", clientAddr(r))
		writeJSON(w, http.StatusOK, systemViewOf(cs))
	}))
}
