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

// pairQuery splits the words' match for items' names in two: pairs, tsqueries over
// items.search_pairs (one per pair set), and rest, tsqueries over items.search_name (one per
// word left out), that all together match exactly the items whose name holds every word. The pairable word with the fewest alternatives is paired
// with each other pairable word (each pair's alternatives paired, at most maxPairLexemes):
// an item has a pair's lexeme exactly when it has both words, so the pairs are exact for the
// words they hold, and GIN walks only the posting lists of items holding two words. The
// other words (prefix matches, words with digits, too many alternatives) are the rest. pairs
// is empty when fewer than two words pair. Each is a condition of its own (newRankedSearch).
//
// A paired word may also have prefix matches of starts no lexicon word has (a typo: "norml"
// is 'normal' or 'norml':*). Those can only match words outside the lexicon, so the items
// they find are few: orName is then the whole match with that word's prefix matches alone,
// over items.search_name, for the items to add (with OR) to those the pairs find. At most
// one such word is paired; another stays in the rest.
func pairQuery(words []termMatch) (pairs, rest []string, orName string) {
	sets, paired, split := pairSets(words)
	if len(sets) == 0 {
		return nil, nil, ""
	}
	var all []string
	for i, w := range words {
		if !paired[i] {
			rest = append(rest, w.any())
		}
		if i == split && paired[i] {
			all = append(all, "("+strings.Join(w.unlisted, " | ")+")")
		} else {
			all = append(all, "("+w.any()+")")
		}
	}
	if split >= 0 && paired[split] {
		orName = strings.Join(all, " & ")
	}
	for _, set := range sets {
		pairs = append(pairs, lexemes(set))
	}
	return pairs, rest, orName
}

// pairSets are pairQuery's pairs: the pair lexemes of each paired word with the word of fewest
// alternatives (an item's name holds both words when it has one of a set's lexemes), which
// words are paired, and the word whose unlisted prefix matches are searched beside the pairs
// (-1: none).
func pairSets(words []termMatch) (sets [][]string, paired []bool, split int) {
	var order []int
	split = -1
	for i, w := range words {
		if !w.pairable {
			continue
		}
		if len(w.unlisted) > 0 {
			if split >= 0 {
				continue
			}
			split = i
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(words[a].alts) - len(words[b].alts) })
	paired = make([]bool, len(words))
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
			sets = append(sets, lex)
			paired[order[0]], paired[i] = true, true
		}
	}
	return sets, paired, split
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
