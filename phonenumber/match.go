package phonenumber

// MinSuffixDigits is the fewest digits a number must have for
// [MatchSuffix] to match it by its last digits.
const MinSuffixDigits = 7

// class groups kinds that can match each other: extensions only match
// extensions, emergency numbers emergency numbers, service codes service
// codes, and external numbers (National, International, KindUnknown) each
// other.
func class(k Kind) Kind {
	switch k {
	case National, International, KindUnknown:
		return National
	}
	return k
}

// Match reports whether a and b reach the same line: "+33 6 12 34 56 78",
// "0033612345678", "06 12 34 56 78" and a dialled "9 06 12 34 56 78" all
// match under a French plan. Numbers match when they are of the same
// class (extension, emergency, service, or external: national,
// international and unknown) and have the same country code and digits;
// their Ext is ignored. A number whose country is unknown matches only a
// number with the same digits and no country; use [MatchSuffix] to match
// it by its last digits. The zero Number matches nothing. Match does not
// allocate.
func Match(a, b Number) bool {
	return a.Digits != "" && class(a.Kind) == class(b.Kind) &&
		a.CountryCode == b.CountryCode && a.Digits == b.Digits
}

// MatchSuffix reports whether a and b match, or may be the same external
// number written with and without its country code, by the rule trunks
// use for DIDs (see sip.DIDRouter): both are external numbers, at least
// one has no known country, and the digits of the shorter (country code
// included when known) are the last digits of the longer, are at least
// [MinSuffixDigits] long, and are at most three digits shorter (a country
// code has one to three digits). So a caller ID "6 12 34 56 78" received
// without country information matches a contact's "+33 6 12 34 56 78",
// but "123 4567" (seven digits without area code) does not match "+1 555
// 123 4567", whose extra digits are four. Two numbers whose countries
// are both known match only by [Match]. MatchSuffix does not allocate.
func MatchSuffix(a, b Number) bool {
	if Match(a, b) {
		return true
	}
	if class(a.Kind) != National || class(b.Kind) != National || a.Digits == "" || b.Digits == "" {
		return false
	}
	if a.CountryCode != "" && b.CountryCode != "" {
		return false
	}
	if len(a.CountryCode)+len(a.Digits) < len(b.CountryCode)+len(b.Digits) {
		a, b = b, a
	}
	return suffixOf(a.CountryCode, a.Digits, b.CountryCode, b.Digits)
}

// suffixOf reports whether short1+short2 ends long1+long2, is at least
// MinSuffixDigits long and at most three digits shorter, without building
// either string.
func suffixOf(long1, long2, short1, short2 string) bool {
	ll := len(long1) + len(long2)
	ls := len(short1) + len(short2)
	if ls < MinSuffixDigits || ll-ls > 3 || ll < ls {
		return false
	}
	at := func(x1, x2 string, i int) byte { // i-th digit from the end
		if i < len(x2) {
			return x2[len(x2)-1-i]
		}
		return x1[len(x1)-1-(i-len(x2))]
	}
	for i := 0; i < ls; i++ {
		if at(long1, long2, i) != at(short1, short2, i) {
			return false
		}
	}
	return true
}
