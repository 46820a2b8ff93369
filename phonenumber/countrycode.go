package phonenumber

// countryCodeLen returns how many leading digits of e, the digits of an
// E.164 number without '+', form its country calling code. Country codes
// are prefix-free (ITU-T E.164 assigns them so that no code starts
// another), so the length follows from the first two digits: "1" (NANP)
// and "7" are one digit; a fixed set of two-digit codes (20, 27, 30–34,
// 36, 39, 40, 41, 43–49, 51–58, 60–66, 81, 82, 84, 86, 90–95, 98) is two;
// every other code, assigned or spare, is three. e must start with a
// non-zero digit.
func countryCodeLen(e string) int {
	switch e[0] {
	case '1', '7':
		return 1
	}
	if len(e) < 2 {
		return 2
	}
	d := e[1]
	switch e[0] {
	case '2':
		if d == '0' || d == '7' {
			return 2
		}
	case '3':
		if d <= '4' || d == '6' || d == '9' {
			return 2
		}
	case '4':
		if d != '2' {
			return 2
		}
	case '5':
		if d >= '1' && d <= '8' {
			return 2
		}
	case '6':
		if d <= '6' {
			return 2
		}
	case '8':
		if d == '1' || d == '2' || d == '4' || d == '6' {
			return 2
		}
	case '9':
		if d <= '5' || d == '8' {
			return 2
		}
	}
	return 3
}
