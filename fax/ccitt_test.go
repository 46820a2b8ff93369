package fax

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"golang.org/x/image/ccitt"
)

// TestXImageDecodesOurs checks our MH and MMR encodings with an independent
// decoder, golang.org/x/image/ccitt: it must give back the same pixels.
func TestXImageDecodesOurs(t *testing.T) {
	for _, width := range []int{WidthA4, WidthB4, WidthA4Super, 64} {
		for _, p := range testPages(width) {
			for _, tc := range []struct {
				opt Options
				sf  ccitt.SubFormat
			}{
				{Options{Coding: MH, Width: width}, ccitt.Group3},
				{Options{Coding: MH, Width: width, OmitRTC: true}, ccitt.Group3},
				{Options{Coding: MMR, Width: width}, ccitt.Group4},
				{Options{Coding: MMR, Width: width, LSBFirst: true}, ccitt.Group4},
			} {
				name := fmt.Sprintf("%d/%s/%s-rtc=%v-lsb=%v", width, p.name, tc.opt.Coding, !tc.opt.OmitRTC, tc.opt.LSBFirst)
				t.Run(name, func(t *testing.T) {
					data := encodePage(t, tc.opt, p.rows)
					order := ccitt.MSB
					if tc.opt.LSBFirst {
						order = ccitt.LSB
					}
					r := ccitt.NewReader(bytes.NewReader(data), order, tc.sf, width, len(p.rows), &ccitt.Options{Invert: true})
					got, err := io.ReadAll(r)
					if err != nil {
						t.Fatalf("x/image/ccitt: %v", err)
					}
					if want := bytes.Join(p.rows, nil); !bytes.Equal(got, want) {
						t.Fatalf("x/image/ccitt decodes %d bytes, differing from the %d encoded", len(got), len(want))
					}
				})
			}
		}
	}
}
