package catalog

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Item pairs (migration 00025): items.search_pairs holds, for every two words of an item's
// name, sku and GTIN (of three letters or more, without digits), the lexeme "a b" (a before b
// in byte order), and each such word alone. A search of two or more words finds its name
// candidates through the pair of its two most selective words — one GIN lookup whose posting
// lists hold only the items with both — and checks the whole query on the candidates' rows,
// which stop at the window. Without pairs, GIN intersects the posting lists of both words:
// two words each in 5–10 % of a million items meant walking 100,000 entries to find 200
// candidates, a cost that grows with the catalogue (measured in README, Speed).
const maxPairLexemes = 96 // more pairs than this (words with many expansions): the words' own lookup

// pairWords is a word's alternatives, sorted and each once, and whether the pairs can stand
// for them: none is a prefix match and every one is a word the pairs are made of.
func pairWords(alts []string, ok bool) ([]string, bool) {
	slices.Sort(alts)
	alts = slices.Compact(alts)
	for _, w := range alts {
		ok = ok && pairableWord(w)
	}
	return alts, ok && len(alts) > 0
}

// pairableWord mirrors search_pairs(): three characters or more, no ASCII digit, at most 160
// bytes.
func pairableWord(w string) bool {
	return utf8.RuneCountInString(w) >= 3 && len(w) <= 160 && !strings.ContainsAny(w, "0123456789")
}

// pairQuery splits the words' match for items' names in two: pairs, a tsquery over
// items.search_pairs, and rest, one over items.search_name, that together match exactly the
// items whose name holds every word. The pairable word with the fewest alternatives is paired
// with each other pairable word (each pair's alternatives paired, at most maxPairLexemes):
// an item has a pair's lexeme exactly when it has both words, so the pairs are exact for the
// words they hold, and GIN walks only the posting lists of items holding two words. The
// other words (prefix matches, words with digits, too many alternatives) are the rest. pairs
// is "" when fewer than two words pair.
func pairQuery(words []termMatch) (pairs, rest string) {
	var order []int
	for i, w := range words {
		if w.pairable {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(words[a].alts) - len(words[b].alts) })
	paired := make([]bool, len(words))
	var sets []string
	if len(order) >= 2 {
		first := words[order[0]]
		for _, i := range order[1:] {
			if len(first.alts)*len(words[i].alts) > maxPairLexemes {
				continue
			}
			var lex []string
			for _, x := range first.alts {
				for _, y := range words[i].alts {
					lex = append(lex, pairLexeme(x, y))
				}
			}
			sets = append(sets, lexemes(lex))
			paired[order[0]], paired[i] = true, true
		}
	}
	if len(sets) == 0 {
		return "", ""
	}
	var others []string
	for i, w := range words {
		if !paired[i] {
			others = append(others, "("+w.any()+")")
		}
	}
	return orQueriesAnd(sets), strings.Join(others, " & ")
}

// orQueriesAnd joins tsquery texts with AND, each in parentheses.
func orQueriesAnd(qs []string) string {
	return "(" + strings.Join(qs, ") & (") + ")"
}

// pairLexeme is the lexeme of search_pairs() for words x and y of one item.
func pairLexeme(x, y string) string {
	switch {
	case x == y:
		return x
	case x > y:
		x, y = y, x
	}
	return x + " " + y
}
