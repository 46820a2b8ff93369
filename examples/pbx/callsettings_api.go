package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/telekit/telekit/callhandling"
	"github.com/telekit/telekit/store"
)

// The call-handling endpoints of the JSON API, each for the authenticated
// user's own settings only:
//
//	GET /api/v1/callhandling          the settings (callhandling.Settings as JSON), ETag: their version
//	PUT /api/v1/callhandling          replace them; validated, 400 naming every wrong field;
//	                                  If-Match: a version from GET, else 412 when they changed meanwhile
//	GET /api/v1/callhandling/summary  how calls will be handled: callhandling.Explain's structure and its English text

// handleCallSettings adds the call-handling endpoints to the portal.
func (p *portal) handleCallSettings(ch *callHandling) {
	p.mux.Handle("GET /api/v1/callhandling", p.authed(func(w http.ResponseWriter, r *http.Request) { getCallSettings(ch, w, r) }, false))
	p.mux.Handle("PUT /api/v1/callhandling", p.authed(func(w http.ResponseWriter, r *http.Request) { putCallSettings(ch, w, r) }, false))
	p.mux.Handle("GET /api/v1/callhandling/summary", p.authed(func(w http.ResponseWriter, r *http.Request) { getCallSummary(ch, w, r) }, false))
}

// maxSettingsBody bounds a PUT's body: settings with MaxRules rules in each
// status stay far below it.
const maxSettingsBody = 1 << 20

func getCallSettings(ch *callHandling, w http.ResponseWriter, r *http.Request) {
	set, version, ok, err := ch.settings(r.Context(), userOf(r).ext)
	if err != nil || !ok {
		ch.log.Error("get call settings", "ext", userOf(r).ext, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
	writeJSON(w, http.StatusOK, set)
}

// settingsField is one wrong field of a refused PUT.
type settingsField struct {
	Field  string `json:"field"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

type settingsErrorBody struct {
	Error  string          `json:"error"`
	Fields []settingsField `json:"fields"`
}

func putCallSettings(ch *callHandling, w http.ResponseWriter, r *http.Request) {
	ext := userOf(r).ext
	var set callhandling.Settings
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSettingsBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		writeJSON(w, http.StatusBadRequest, settingsErrorBody{Error: "want the call-handling settings as JSON: " + err.Error(), Fields: []settingsField{}})
		return
	}
	if set.Extension == "" {
		set.Extension = ext
	}
	if set.Extension != ext {
		// Users change their own settings only; the field cannot move them.
		writeJSON(w, http.StatusBadRequest, settingsErrorBody{Error: "extension: these are the settings of " + ext,
			Fields: []settingsField{{Field: "extension", Value: set.Extension, Reason: "must be your own extension " + ext}}})
		return
	}
	ifVersion := int64(-1)
	if m := r.Header.Get("If-Match"); m != "" {
		uq, err := strconv.Unquote(m)
		if err != nil {
			uq = m
		}
		if ifVersion, err = strconv.ParseInt(uq, 10, 64); err != nil || ifVersion < 0 {
			writeError(w, http.StatusBadRequest, "If-Match: want a version from the ETag of GET")
			return
		}
	}
	version, err := ch.save(r.Context(), set, ifVersion)
	var se *settingsError
	switch {
	case errors.As(err, &se):
		writeJSON(w, http.StatusBadRequest, settingsErrorBody{Error: se.Error(), Fields: fieldErrors(se.err)})
		return
	case errors.Is(err, store.ErrStale):
		writeError(w, http.StatusPreconditionFailed, "the settings changed since you read them; read them again")
		return
	case err != nil:
		ch.log.Error("put call settings", "ext", ext, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	ch.log.Info("call settings saved", "ext", ext, "version", version, "source", clientAddr(r))
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
	writeJSON(w, http.StatusOK, set)
}

// fieldErrors lists the *callhandling.SettingsError values joined in err.
func fieldErrors(err error) []settingsField {
	out := []settingsField{}
	var walk func(error)
	walk = func(err error) {
		var se *callhandling.SettingsError
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if errors.As(err, &se) {
			reason := se.Err.Error()
			if se.Detail != "" {
				reason += ": " + se.Detail
			}
			out = append(out, settingsField{Field: se.Field, Value: se.Value, Reason: reason})
			return
		}
		out = append(out, settingsField{Reason: err.Error()})
	}
	walk(err)
	return out
}

// summaryBody is the explained summary: the structure the portal draws
// and the same in sentences.
type summaryBody struct {
	Summary callhandling.Summary `json:"summary"`
	English string               `json:"english"`
}

func getCallSummary(ch *callHandling, w http.ResponseWriter, r *http.Request) {
	set, _, ok, err := ch.settings(r.Context(), userOf(r).ext)
	if err != nil || !ok {
		ch.log.Error("call summary", "ext", userOf(r).ext, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	sum := callhandling.Explain(&set, ch.system(), ch.now().Truncate(time.Second))
	writeJSON(w, http.StatusOK, summaryBody{Summary: sum, English: sum.English()})
}
