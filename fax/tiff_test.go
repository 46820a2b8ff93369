package fax

import (
	"encoding/binary"
	"testing"
)

// A just-enough TIFF writer and reader for the libtiff interop tests: one
// strip, little-endian, bilevel WhiteIsZero (1 = black, as our rows). The
// real TIFF-F support of the package is to come; this is test scaffolding.

type tiffInfo struct {
	width, height int
	compression   int // 1 none, 3 T.4, 4 T.6
	t4Options     int // bit 0: 2-D, bit 2: fill bits
	fillOrder     int
	photometric   int
	strip         []byte
}

const (
	tagWidth        = 256
	tagHeight       = 257
	tagBitsPerSamp  = 258
	tagCompression  = 259
	tagPhotometric  = 262
	tagFillOrder    = 266
	tagStripOffsets = 273
	tagSamplesPerPx = 277
	tagRowsPerStrip = 278
	tagStripCounts  = 279
	tagT4Options    = 292
	tagT6Options    = 293
)

func writeTIFF(ti tiffInfo) []byte {
	type entry struct{ tag, val uint32 }
	entries := []entry{
		{tagWidth, uint32(ti.width)},
		{tagHeight, uint32(ti.height)},
		{tagBitsPerSamp, 1},
		{tagCompression, uint32(ti.compression)},
		{tagPhotometric, 0},
		{tagFillOrder, 1},
		{tagStripOffsets, 0}, // patched below
		{tagSamplesPerPx, 1},
		{tagRowsPerStrip, uint32(ti.height)},
		{tagStripCounts, uint32(len(ti.strip))},
	}
	switch ti.compression {
	case 3:
		entries = append(entries, entry{tagT4Options, uint32(ti.t4Options)})
	case 4:
		entries = append(entries, entry{tagT6Options, 0})
	}
	ifdLen := 2 + 12*len(entries) + 4
	stripAt := 8 + ifdLen
	b := make([]byte, 0, stripAt+len(ti.strip))
	b = append(b, 'I', 'I', 42, 0)
	b = binary.LittleEndian.AppendUint32(b, 8)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		if e.tag == tagStripOffsets {
			e.val = uint32(stripAt)
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(e.tag))
		b = binary.LittleEndian.AppendUint16(b, 4) // LONG
		b = binary.LittleEndian.AppendUint32(b, 1)
		b = binary.LittleEndian.AppendUint32(b, e.val)
	}
	b = binary.LittleEndian.AppendUint32(b, 0)
	return append(b, ti.strip...)
}

// readTIFF reads the first image of a one-strip TIFF.
func readTIFF(t testing.TB, b []byte) tiffInfo {
	t.Helper()
	if len(b) < 8 {
		t.Fatal("TIFF too short")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if b[0] == 'M' {
		bo = binary.BigEndian
	}
	ifd := int(bo.Uint32(b[4:]))
	n := int(bo.Uint16(b[ifd:]))
	ti := tiffInfo{fillOrder: 1}
	var off, count int
	for i := 0; i < n; i++ {
		e := b[ifd+2+12*i:]
		tag, typ, cnt := bo.Uint16(e), bo.Uint16(e[2:]), bo.Uint32(e[4:])
		var v int
		switch typ {
		case 3: // SHORT
			v = int(bo.Uint16(e[8:]))
		case 4: // LONG
			v = int(bo.Uint32(e[8:]))
		}
		if (tag == tagStripOffsets || tag == tagStripCounts) && cnt != 1 {
			t.Fatalf("TIFF has %d strips; the test wants one", cnt)
		}
		switch tag {
		case tagWidth:
			ti.width = v
		case tagHeight:
			ti.height = v
		case tagCompression:
			ti.compression = v
		case tagPhotometric:
			ti.photometric = v
		case tagFillOrder:
			ti.fillOrder = v
		case tagT4Options:
			ti.t4Options = v
		case tagStripOffsets:
			off = v
		case tagStripCounts:
			count = v
		}
	}
	if off+count > len(b) {
		t.Fatalf("strip [%d,+%d) past the end of a %d-byte file", off, count, len(b))
	}
	ti.strip = b[off : off+count]
	return ti
}
