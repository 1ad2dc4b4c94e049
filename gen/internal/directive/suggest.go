package directive

import (
	"fmt"
	"strings"
)

// Suggest returns the candidate closest to word, or "" when none is close
// enough to be a plausible typo. Case differences cost nothing.
func Suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(word), strings.ToLower(c))
		if d > 1+(len(word)+len(c))/4 {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean formats a suggestion for word among candidates, with the
// list of valid choices: `; did you mean "x"? (valid: a, b, x)`.
func didYouMean(word string, candidates []string, quote func(string) string) string {
	var b strings.Builder
	if s := Suggest(word, candidates); s != "" {
		fmt.Fprintf(&b, "; did you mean %s?", quote(s))
	}
	fmt.Fprintf(&b, " (valid: %s)", strings.Join(candidates, ", "))
	return b.String()
}

// distance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent bytes each
// cost 1, so that "stpe" is one edit from "step".
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
