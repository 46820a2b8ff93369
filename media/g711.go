package media

// G.711 companding, bit-exact with the ITU-T G.191 Software Tools Library
// (STL) reference for every 16-bit input. The rules, in words:
//
// A-law takes the 12-bit magnitude of the sample (the one's complement for
// negative inputs, shifted right by 4), finds the segment by the position of
// its leading one, keeps four mantissa bits below it, sets the sign bit for
// non-negative inputs and inverts the even bits (XOR 0x55).
//
// µ-law takes the 14-bit magnitude (one's complement for negative inputs,
// shifted right by 2) plus the bias 33, clips it to 0x1FFF, finds the
// segment, keeps four mantissa bits, inverts the seven magnitude bits and
// sets the sign bit for non-negative inputs.
//
// Decoding returns the middle of each quantisation interval, left-justified
// in 16 bits, as G.191 does. Both directions are table lookups built once
// per table when the package loads, from the rules above (pure computation,
// no outside state).

// Tables indexed by uint16(sample)^0x8000, i.e. sample+32768.
var ulawEncodeTable, alawEncodeTable = func() (u, a [65536]uint8) {
	for i := range 65536 {
		s := int16(i - 32768)
		u[i] = ulawCompress(s)
		a[i] = alawCompress(s)
	}
	return
}()

var ulawDecodeTable, alawDecodeTable = func() (u, a [256]int16) {
	for i := range 256 {
		u[i] = ulawExpand(uint8(i))
		a[i] = alawExpand(uint8(i))
	}
	return
}()

func ulawCompress(s int16) uint8 {
	var mag int32
	if s < 0 {
		mag = int32(^s)>>2 + 33
	} else {
		mag = int32(s)>>2 + 33
	}
	if mag > 0x1FFF {
		mag = 0x1FFF
	}
	seg := int32(1)
	for i := mag >> 6; i != 0; i >>= 1 {
		seg++
	}
	hi := 8 - seg
	lo := 0xF - (mag>>seg)&0xF
	code := uint8(hi<<4 | lo)
	if s >= 0 {
		code |= 0x80
	}
	return code
}

func ulawExpand(code uint8) int16 {
	sign := int32(-1)
	if code >= 0x80 {
		sign = 1
	}
	m := int32(^code)
	exp := (m >> 4) & 7
	mant := m & 0xF
	step := int32(4) << (exp + 1)
	return int16(sign * ((0x80 << exp) + step*mant + step/2 - 4*33))
}

func alawCompress(s int16) uint8 {
	var ix int32
	if s < 0 {
		ix = int32(^s) >> 4
	} else {
		ix = int32(s) >> 4
	}
	if ix > 15 {
		exp := int32(1)
		for ix > 16+15 {
			ix >>= 1
			exp++
		}
		ix -= 16
		ix += exp << 4
	}
	if s >= 0 {
		ix |= 0x80
	}
	return uint8(ix ^ 0x55)
}

func alawExpand(code uint8) int16 {
	ix := int32(code^0x55) & 0x7F
	exp := ix >> 4
	mant := ix & 0xF
	if exp > 0 {
		mant += 16
	}
	mant = mant<<4 + 8
	if exp > 1 {
		mant <<= exp - 1
	}
	if code > 127 {
		return int16(mant)
	}
	return int16(-mant)
}

// LinearToULaw returns the G.711 µ-law code of one 16-bit linear sample.
func LinearToULaw(s int16) uint8 { return ulawEncodeTable[uint16(s)^0x8000] }

// ULawToLinear returns the 16-bit linear value of one G.711 µ-law code.
func ULawToLinear(c uint8) int16 { return ulawDecodeTable[c] }

// LinearToALaw returns the G.711 A-law code of one 16-bit linear sample.
func LinearToALaw(s int16) uint8 { return alawEncodeTable[uint16(s)^0x8000] }

// ALawToLinear returns the 16-bit linear value of one G.711 A-law code.
func ALawToLinear(c uint8) int16 { return alawDecodeTable[c] }

// EncodeULaw encodes src into dst as µ-law and returns the number of bytes
// written, min(len(dst), len(src)). It does not allocate.
func EncodeULaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = ulawEncodeTable[uint16(s)^0x8000]
	}
	return n
}

// DecodeULaw decodes µ-law src into dst and returns the number of samples
// written, min(len(dst), len(src)). It does not allocate.
func DecodeULaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, c := range src {
		dst[i] = ulawDecodeTable[c]
	}
	return n
}

// EncodeALaw encodes src into dst as A-law and returns the number of bytes
// written, min(len(dst), len(src)). It does not allocate.
func EncodeALaw(dst []byte, src []int16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = alawEncodeTable[uint16(s)^0x8000]
	}
	return n
}

// DecodeALaw decodes A-law src into dst and returns the number of samples
// written, min(len(dst), len(src)). It does not allocate.
func DecodeALaw(dst []int16, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, c := range src {
		dst[i] = alawDecodeTable[c]
	}
	return n
}

// ULawToALaw converts µ-law codes to A-law codes in place of a decode and
// re-encode, writing into dst; it returns min(len(dst), len(src)). It does
// not allocate. The result equals EncodeALaw(DecodeULaw(src)).
func ULawToALaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, c := range src {
		dst[i] = ulawToALawTable[c]
	}
	return n
}

// ALawToULaw converts A-law codes to µ-law codes, writing into dst; it
// returns min(len(dst), len(src)). It does not allocate. The result equals
// EncodeULaw(DecodeALaw(src)).
func ALawToULaw(dst, src []byte) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, c := range src {
		dst[i] = alawToULawTable[c]
	}
	return n
}

var ulawToALawTable, alawToULawTable = func() (u2a, a2u [256]uint8) {
	for i := range 256 {
		u2a[i] = alawCompress(ulawExpand(uint8(i)))
		a2u[i] = ulawCompress(alawExpand(uint8(i)))
	}
	return
}()
