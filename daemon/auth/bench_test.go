package auth

import "testing"

// BenchmarkCheckPassword is the cost of one sign-in's password check (and
// of a wrong guess), which throttling multiplies for an attacker.
func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !CheckPassword(h, "correct horse battery") {
			b.Fatal("the password does not check")
		}
	}
}
