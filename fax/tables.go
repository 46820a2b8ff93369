package fax

import "sync"

// This file holds the code tables of ITU-T T.4 (07/2003) §4.1.2 and §4.2.1.3,
// written down from the Recommendation's Tables 1, 2, 3 and 4 as bit strings
// (first transmitted bit first), and the lookup tables built from them.

// runCode is one modified Huffman code: the run length it stands for and its
// bits, written as in the Recommendation.
type runCode struct {
	run  int
	bits string
}

// whiteTerminating is T.4 Table 2, white terminating codes, runs 0 to 63.
var whiteTerminating = [64]runCode{
	{0, "00110101"}, {1, "000111"}, {2, "0111"}, {3, "1000"},
	{4, "1011"}, {5, "1100"}, {6, "1110"}, {7, "1111"},
	{8, "10011"}, {9, "10100"}, {10, "00111"}, {11, "01000"},
	{12, "001000"}, {13, "000011"}, {14, "110100"}, {15, "110101"},
	{16, "101010"}, {17, "101011"}, {18, "0100111"}, {19, "0001100"},
	{20, "0001000"}, {21, "0010111"}, {22, "0000011"}, {23, "0000100"},
	{24, "0101000"}, {25, "0101011"}, {26, "0010011"}, {27, "0100100"},
	{28, "0011000"}, {29, "00000010"}, {30, "00000011"}, {31, "00011010"},
	{32, "00011011"}, {33, "00010010"}, {34, "00010011"}, {35, "00010100"},
	{36, "00010101"}, {37, "00010110"}, {38, "00010111"}, {39, "00101000"},
	{40, "00101001"}, {41, "00101010"}, {42, "00101011"}, {43, "00101100"},
	{44, "00101101"}, {45, "00000100"}, {46, "00000101"}, {47, "00001010"},
	{48, "00001011"}, {49, "01010010"}, {50, "01010011"}, {51, "01010100"},
	{52, "01010101"}, {53, "00100100"}, {54, "00100101"}, {55, "01011000"},
	{56, "01011001"}, {57, "01011010"}, {58, "01011011"}, {59, "01001010"},
	{60, "01001011"}, {61, "00110010"}, {62, "00110011"}, {63, "00110100"},
}

// blackTerminating is T.4 Table 2, black terminating codes, runs 0 to 63.
var blackTerminating = [64]runCode{
	{0, "0000110111"}, {1, "010"}, {2, "11"}, {3, "10"},
	{4, "011"}, {5, "0011"}, {6, "0010"}, {7, "00011"},
	{8, "000101"}, {9, "000100"}, {10, "0000100"}, {11, "0000101"},
	{12, "0000111"}, {13, "00000100"}, {14, "00000111"}, {15, "000011000"},
	{16, "0000010111"}, {17, "0000011000"}, {18, "0000001000"}, {19, "00001100111"},
	{20, "00001101000"}, {21, "00001101100"}, {22, "00000110111"}, {23, "00000101000"},
	{24, "00000010111"}, {25, "00000011000"}, {26, "000011001010"}, {27, "000011001011"},
	{28, "000011001100"}, {29, "000011001101"}, {30, "000001101000"}, {31, "000001101001"},
	{32, "000001101010"}, {33, "000001101011"}, {34, "000011010010"}, {35, "000011010011"},
	{36, "000011010100"}, {37, "000011010101"}, {38, "000011010110"}, {39, "000011010111"},
	{40, "000001101100"}, {41, "000001101101"}, {42, "000011011010"}, {43, "000011011011"},
	{44, "000001010100"}, {45, "000001010101"}, {46, "000001010110"}, {47, "000001010111"},
	{48, "000001100100"}, {49, "000001100101"}, {50, "000001010010"}, {51, "000001010011"},
	{52, "000000100100"}, {53, "000000110111"}, {54, "000000111000"}, {55, "000000100111"},
	{56, "000000101000"}, {57, "000001011000"}, {58, "000001011001"}, {59, "000000101011"},
	{60, "000000101100"}, {61, "000001011010"}, {62, "000001100110"}, {63, "000001100111"},
}

// whiteMakeUp is T.4 Table 3, white make-up codes, runs 64 to 1728.
var whiteMakeUp = [27]runCode{
	{64, "11011"}, {128, "10010"}, {192, "010111"}, {256, "0110111"},
	{320, "00110110"}, {384, "00110111"}, {448, "01100100"}, {512, "01100101"},
	{576, "01101000"}, {640, "01100111"}, {704, "011001100"}, {768, "011001101"},
	{832, "011010010"}, {896, "011010011"}, {960, "011010100"}, {1024, "011010101"},
	{1088, "011010110"}, {1152, "011010111"}, {1216, "011011000"}, {1280, "011011001"},
	{1344, "011011010"}, {1408, "011011011"}, {1472, "010011000"}, {1536, "010011001"},
	{1600, "010011010"}, {1664, "011000"}, {1728, "010011011"},
}

// blackMakeUp is T.4 Table 3, black make-up codes, runs 64 to 1728.
var blackMakeUp = [27]runCode{
	{64, "0000001111"}, {128, "000011001000"}, {192, "000011001001"}, {256, "000001011011"},
	{320, "000000110011"}, {384, "000000110100"}, {448, "000000110101"}, {512, "0000001101100"},
	{576, "0000001101101"}, {640, "0000001001010"}, {704, "0000001001011"}, {768, "0000001001100"},
	{832, "0000001001101"}, {896, "0000001110010"}, {960, "0000001110011"}, {1024, "0000001110100"},
	{1088, "0000001110101"}, {1152, "0000001110110"}, {1216, "0000001110111"}, {1280, "0000001010010"},
	{1344, "0000001010011"}, {1408, "0000001010100"}, {1472, "0000001010101"}, {1536, "0000001011010"},
	{1600, "0000001011011"}, {1664, "0000001100100"}, {1728, "0000001100101"},
}

// extendedMakeUp is T.4 Table 3 (end), the make-up codes 1792 to 2560
// shared by white and black runs.
var extendedMakeUp = [13]runCode{
	{1792, "00000001000"}, {1856, "00000001100"}, {1920, "00000001101"},
	{1984, "000000010010"}, {2048, "000000010011"}, {2112, "000000010100"},
	{2176, "000000010101"}, {2240, "000000010110"}, {2304, "000000010111"},
	{2368, "000000011100"}, {2432, "000000011101"}, {2496, "000000011110"},
	{2560, "000000011111"},
}

// eolBits is the end-of-line code, eleven 0 bits and a 1.
const (
	eolCode = 0x001
	eolLen  = 12
)

// mode is a two-dimensional coding mode of T.4 Table 4.
type mode uint8

const (
	modeInvalid mode = iota
	modePass
	modeHorizontal
	modeV0
	modeVR1
	modeVR2
	modeVR3
	modeVL1
	modeVL2
	modeVL3
)

// modeCodes is T.4 Table 4: the codes of the two-dimensional modes.
var modeCodes = [...]struct {
	m    mode
	bits string
}{
	{modePass, "0001"}, {modeHorizontal, "001"},
	{modeV0, "1"}, {modeVR1, "011"}, {modeVR2, "000011"}, {modeVR3, "0000011"},
	{modeVL1, "010"}, {modeVL2, "000010"}, {modeVL3, "0000010"},
}

// code is a code ready to write: its bits right-aligned, and its length.
type code struct {
	bits uint16
	n    uint8
}

// runTable decodes one colour's run-length codes in at most two lookups
// of small tables that stay in the L1 cache (the single 13-bit table it
// replaces took 64 KB for both colours). The first level is indexed by the
// next runFirst bits; codes longer than that (white's extended make-up
// codes, black's longer codes) send the lookup to a 16-slot block of the
// second level, indexed by the 4 bits after.
//
// An entry is run<<8 | sub<<7 | n: n is the code length (0 = no valid
// code), sub marks a first-level entry whose run field is the offset of its
// second-level block.
type runTable struct {
	first  [1 << runFirst]uint32
	second []uint32
}

const (
	runFirst = 9
	runSub   = 1 << 7
	runLen   = 0x1f
)

// lookup returns the entry for the next runPeek bits v.
func (t *runTable) lookup(v uint32) uint32 {
	e := t.first[v>>(runPeek-runFirst)]
	if e&runSub != 0 {
		e = t.second[e>>8+v&(1<<(runPeek-runFirst)-1)]
	}
	return e
}

func (t *runTable) add(run int, c code) {
	entry := uint32(run)<<8 | uint32(c.n)
	if c.n <= runFirst {
		shift := runFirst - uint(c.n)
		lo := uint32(c.bits) << shift
		for i := lo; i < lo+1<<shift; i++ {
			t.first[i] = entry
		}
		return
	}
	prefix := uint32(c.bits) >> (uint(c.n) - runFirst)
	if t.first[prefix]&runSub == 0 {
		t.first[prefix] = uint32(len(t.second))<<8 | runSub
		t.second = append(t.second, make([]uint32, 1<<(runPeek-runFirst))...)
	}
	block := t.first[prefix] >> 8
	rest := uint(c.n) - runFirst
	shift := runPeek - runFirst - rest
	lo := (uint32(c.bits) & (1<<rest - 1)) << shift
	for i := lo; i < lo+1<<shift; i++ {
		t.second[block+i] = entry
	}
}

// modeEntry is one slot of the mode lookup table indexed by the next
// modePeek bits.
type modeEntry struct {
	m mode
	n uint8
}

const (
	runPeek  = 13 // the longest run code is 13 bits
	modePeek = 7  // the longest mode code is 7 bits
)

// codeTables holds the encoding and decoding tables, built once from the
// Recommendation's tables above and read-only afterwards.
type codeTables struct {
	term   [2][64]code // [color][run]
	makeUp [2][40]code // [color][run/64-1], 64..2560
	modes  [modeVL3 + 1]code
	// decoding
	runs  [2]runTable
	modeL [1 << modePeek]modeEntry
}

var (
	tablesOnce sync.Once
	builtTable *codeTables
)

// tables returns the code tables, building them on first use. The tables are
// immutable afterwards, so this is safe for concurrent use.
func tables() *codeTables {
	tablesOnce.Do(func() { builtTable = buildTables() })
	return builtTable
}

func parseBits(s string) code {
	var c code
	for i := 0; i < len(s); i++ {
		c.bits = c.bits<<1 | uint16(s[i]-'0')
	}
	c.n = uint8(len(s))
	return c
}

func buildTables() *codeTables {
	t := new(codeTables)
	addRun := func(color int, rc runCode) {
		c := parseBits(rc.bits)
		if rc.run < 64 {
			t.term[color][rc.run] = c
		} else {
			t.makeUp[color][rc.run/64-1] = c
		}
		t.runs[color].add(rc.run, c)
	}
	for _, rc := range whiteTerminating {
		addRun(white, rc)
	}
	for _, rc := range blackTerminating {
		addRun(black, rc)
	}
	for _, rc := range whiteMakeUp {
		addRun(white, rc)
	}
	for _, rc := range blackMakeUp {
		addRun(black, rc)
	}
	for _, rc := range extendedMakeUp {
		addRun(white, rc)
		addRun(black, rc)
	}
	for _, mc := range modeCodes {
		c := parseBits(mc.bits)
		t.modes[mc.m] = c
		shift := modePeek - uint(c.n)
		lo := int(c.bits) << shift
		for i := lo; i < lo+1<<shift; i++ {
			t.modeL[i] = modeEntry{m: mc.m, n: c.n}
		}
	}
	return t
}
