package sip

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMessageSummary(t *testing.T) {
	tests := []struct {
		name string
		body string
		want MessageSummary
	}{
		{
			name: "RFC 3842 section 5.2 example",
			body: "Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 4/8 (1/2)\r\n",
			want: MessageSummary{Waiting: true, Account: "sip:alice@vmail.example.com",
				Classes: []ClassCounts{{Class: "Voice-Message", MWICounts: MWICounts{New: 4, Old: 8, UrgentNew: 1, UrgentOld: 2}}}},
		},
		{
			name: "lower case, LF, several classes, message headers after a blank line",
			body: "messages-waiting: no\nvoice-message: 0/3\nfax-message:1/0\nX-Custom: 2/2\n\nTo: <sip:a@b>\nVoice-Message: 9/9\n",
			want: MessageSummary{Waiting: false, Classes: []ClassCounts{
				{Class: "Voice-Message", MWICounts: MWICounts{Old: 3}},
				{Class: "Fax-Message", MWICounts: MWICounts{New: 1}},
				{Class: "X-Custom", MWICounts: MWICounts{New: 2, Old: 2}},
			}},
		},
		{
			name: "unknown lines ignored",
			body: "Messages-Waiting: yes\r\nX-Note: hello\r\n",
			want: MessageSummary{Waiting: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMessageSummary([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("MessageSummary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseMessageSummaryErrors(t *testing.T) {
	for name, body := range map[string]string{
		"empty":              "",
		"no status":          "Voice-Message: 1/2\r\n",
		"bad status":         "Messages-Waiting: maybe\r\n",
		"no colon":           "Messages-Waiting yes\r\n",
		"bad urgent":         "Messages-Waiting: yes\r\nVoice-Message: 1/2 (x/1)\r\n",
		"unbalanced":         "Messages-Waiting: yes\r\nVoice-Message: 1/2 (0/1\r\n",
		"huge count":         "Messages-Waiting: yes\r\nVoice-Message: 99999999999/2\r\n",
		"missing old count":  "Messages-Waiting: yes\r\nVoice-Message: 1/\r\n",
		"trailing after par": "Messages-Waiting: yes\r\nVoice-Message: 1/2 (0/1) x\r\n",
	} {
		if _, err := ParseMessageSummary([]byte(body)); err == nil {
			t.Errorf("%s: no error for %q", name, body)
		}
	}
}

func TestFormatMessageSummary(t *testing.T) {
	got, err := VoiceSummary("sip:101@pbx.test", MWICounts{New: 2, Old: 8, UrgentNew: 1}).Format()
	if err != nil {
		t.Fatal(err)
	}
	want := "Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.test\r\nVoice-Message: 2/8 (1/0)\r\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
	for name, s := range map[string]MessageSummary{
		"negative":        VoiceSummary("", MWICounts{Old: -1}),
		"class not token": {Classes: []ClassCounts{{Class: "Voice Message"}}},
		"class is header": {Classes: []ClassCounts{{Class: "Message-Account"}}},
		"account newline": {Account: "sip:a\r\nX: y"},
	} {
		if _, err := s.Format(); err == nil {
			t.Errorf("%s: formatted", name)
		}
	}
}

func TestMWICountsWaiting(t *testing.T) {
	for c, want := range map[MWICounts]bool{
		{}:                     false,
		{Old: 3, UrgentOld: 1}: false,
		{New: 1}:               true,
	} {
		if got := c.Waiting(); got != want {
			t.Errorf("%+v.Waiting() = %v", c, got)
		}
	}
}
