package catalog

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// synonymsText is the care staff's dictionary (synonyms.txt), maintained in the repository.
//
//go:embed synonyms.txt
var synonymsText string

// synonymDict maps what people type to the catalogue words it stands for.
type synonymDict struct {
	targets  map[string][]string // typed word → catalogue words
	variants []string            // every typed word, sorted, for prefix look-ups
}

// synonyms is the dictionary the search uses; a malformed synonyms.txt stops the program at
// start (and fails TestSynonymDictionary) rather than searching with half a dictionary.
var synonyms = mustParseSynonyms(synonymsText)

func mustParseSynonyms(text string) synonymDict {
	d, err := parseSynonyms(strings.NewReader(text))
	if err != nil {
		panic("catalog: synonyms.txt: " + err.Error())
	}
	return d
}

// parseSynonyms reads lines "catalogue word: typed words…"; blank lines and lines starting
// with # are skipped. Every word must be one lower-case search word (letters and digits), as
// the query parser would produce it, so that a line can never silently match nothing.
func parseSynonyms(r io.Reader) (synonymDict, error) {
	d := synonymDict{targets: map[string][]string{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		target, rest, ok := strings.Cut(line, ":")
		if !ok {
			return d, fmt.Errorf("line %d: want \"catalogue word: typed words\"", n)
		}
		target = strings.TrimSpace(target)
		words := strings.Fields(rest)
		if len(words) == 0 {
			return d, fmt.Errorf("line %d: %q has no typed words", n, target)
		}
		for _, w := range append([]string{target}, words...) {
			if terms := parseQuery(w); len(terms) != 1 || terms[0] != w {
				return d, fmt.Errorf("line %d: %q is not one lower-case search word", n, w)
			}
		}
		for _, w := range words {
			if w != target && !slices.Contains(d.targets[w], target) {
				d.targets[w] = append(d.targets[w], target)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return d, err
	}
	for w := range d.targets {
		d.variants = append(d.variants, w)
	}
	slices.Sort(d.variants)
	return d, nil
}

// minSynonymPrefix is the shortest typed start of a word that already brings in its synonyms
// ("blöj" → inkontinensskydd): shorter starts match too many words to mean one thing.
const minSynonymPrefix = 4

// lookup returns the catalogue words a query word stands for: those of the word itself and,
// when it is at least minSynonymPrefix letters, of every typed word it begins, for the word
// still being typed. The word itself is never among them.
func (d synonymDict) lookup(term string) []string {
	var out []string
	add := func(ts []string) {
		for _, t := range ts {
			if t != term && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	add(d.targets[term])
	if utf8.RuneCountInString(term) >= minSynonymPrefix {
		i, _ := slices.BinarySearch(d.variants, term)
		for ; i < len(d.variants) && strings.HasPrefix(d.variants[i], term); i++ {
			add(d.targets[d.variants[i]])
		}
	}
	return out
}
