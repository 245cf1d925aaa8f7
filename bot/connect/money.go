package connect

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Money is an amount in hundredths of a currency's unit — healthbot's money
// unit, as in the *_cents columns — with the ISO currency code it is in.
// healthbot keeps one currency per organisation; the code lets the store
// notice an account billed in another.
type Money struct {
	Cents    int64
	Currency string // lower case ISO 4217, "" when the vendor gives none
}

// String formats the amount as ingestion expects money: units, a point and
// two decimals (1234.50).
func (m Money) String() string {
	c, sign := m.Cents, ""
	if c < 0 {
		c, sign = -c, "-"
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// zeroDecimal are the currencies whose minor unit is the unit itself, so
// vendors that count in minor units (Stripe) send 500 for ¥500.
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// threeDecimal are the currencies with a thousandth minor unit.
var threeDecimal = map[string]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}

// MinorUnits reports how many minor units make one unit of currency, as
// Stripe counts them: 1 for the zero-decimal currencies, 1000 for the
// three-decimal ones, 100 otherwise. ISK, HUF and TWD stay at 100: Stripe
// keeps them two-decimal in its API even where only whole units are charged.
func MinorUnits(currency string) int64 {
	c := strings.ToLower(currency)
	switch {
	case zeroDecimal[c]:
		return 1
	case threeDecimal[c]:
		return 1000
	}
	return 100
}

// errTooLarge is returned for an amount that does not fit healthbot's cents.
var errTooLarge = errors.New("amount too large")

// FromMinor converts an amount in currency's minor units (possibly
// fractional, as Stripe's unit_amount_decimal) to Money, rounding half away
// from zero to the cent: three-decimal currencies lose their last digit,
// which Stripe already requires to be 0 for charges.
func FromMinor(minor *big.Rat, currency string) (Money, error) {
	cents := new(big.Rat).Mul(minor, big.NewRat(100, MinorUnits(currency)))
	n, err := roundRat(cents)
	if err != nil {
		return Money{}, err
	}
	return Money{Cents: n, Currency: strings.ToLower(currency)}, nil
}

// FromMinorInt is FromMinor for a whole number of minor units.
func FromMinorInt(minor int64, currency string) (Money, error) {
	return FromMinor(new(big.Rat).SetInt64(minor), currency)
}

// roundRat rounds r to the nearest integer, halves away from zero.
func roundRat(r *big.Rat) (int64, error) {
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, errTooLarge
	}
	return q.Int64(), nil
}
