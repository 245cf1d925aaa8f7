package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxBytesEnv names the environment variable that sets the body limit.
const MaxBytesEnv = "HEALTHBOT_INGEST_MAX_BYTES"

// sizeUnits are the suffixes ParseSize accepts. Single letters (256M) are
// refused rather than guessed: they leave open whether 1000 or 1024 is meant.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
	{"B", 1},
}

// ParseSize reads a positive byte count: plain digits ("33554432") or
// digits with one of the suffixes B, KB, MB, GB (powers of 1000) or KiB,
// MiB, GiB (powers of 1024), as in "256MiB". Spaces, signs, fractions and
// other spellings are errors.
func ParseSize(s string) (int64, error) {
	digits, mult := s, int64(1)
	for _, u := range sizeUnits {
		if d, ok := strings.CutSuffix(s, u.suffix); ok {
			digits, mult = d, u.bytes
			break
		}
	}
	n, err := strconv.ParseUint(digits, 10, 63)
	if err != nil || digits[0] == '+' || n == 0 || n > math.MaxInt64/uint64(mult) {
		return 0, fmt.Errorf("%q is not a size; write a positive number of bytes, optionally with KiB, MiB or GiB (or KB, MB, GB), e.g. 256MiB", s)
	}
	return int64(n) * mult, nil
}
