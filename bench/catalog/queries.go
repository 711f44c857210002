package main

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// queryMix hands out typed queries, each once over the whole run, as care staff type them:
//
//   - most are one to three consecutive words of a real item name (words of letters only),
//     lower-cased, the last cut to a start of at least three letters;
//   - typoShare of them have a typo in one word of five letters or more (a letter dropped,
//     doubled, swapped with the next or replaced by its neighbour on the keyboard);
//   - synonymShare of them start with a word of the care staff's synonym dictionary
//     (catalog/synonyms.txt: "blöjor", "bleier", "gloves"), whole or cut to four letters or
//     more, and may go on with the start of a word of a real name.
type queryMix struct {
	mu       sync.Mutex
	rng      *rand.Rand
	names    [][]string
	synonyms []string
	seen     map[string]bool
	n        int
	kinds    map[string]int // queries handed out by kind
	repeats  atomic.Int64
}

const (
	typoShare    = 0.15
	synonymShare = 0.15
)

// newQueryMix reads the synonym dictionary from the repository (the benchmark runs from its
// root); without it the mix has no synonym queries.
func newQueryMix() *queryMix {
	m := &queryMix{rng: rand.New(rand.NewPCG(1, 2)), seen: map[string]bool{}, kinds: map[string]int{}}
	if f, err := os.Open("catalog/synonyms.txt"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if _, typed, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
				m.synonyms = append(m.synonyms, strings.Fields(typed)...)
			}
		}
	}
	return m
}

func (m *queryMix) add(names []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, name := range names {
		var words []string
		for _, w := range strings.Fields(strings.ToLower(name)) {
			if len([]rune(w)) >= 3 && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) {
				words = append(words, w)
			}
		}
		if len(words) > 0 {
			m.names = append(m.names, words)
		}
	}
}

func (m *queryMix) used() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

// mixSummary is how many queries of each kind were handed out.
func (m *queryMix) mixSummary() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	for _, k := range []string{"words", "typo", "synonym"} {
		parts = append(parts, k+" "+strconv.Itoa(m.kinds[k]))
	}
	return strings.Join(parts, ", ")
}

func (m *queryMix) next() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n++
	var q, kind string
	for try := 0; try < 100; try++ {
		q, kind = m.one()
		if !m.seen[q] {
			m.seen[q] = true
			m.kinds[kind]++
			return q
		}
	}
	m.repeats.Add(1)
	m.kinds[kind]++
	return q
}

// one is a query and its kind.
func (m *queryMix) one() (string, string) {
	r := m.rng.Float64()
	if r < synonymShare && len(m.synonyms) > 0 {
		w := []rune(m.synonyms[m.rng.IntN(len(m.synonyms))])
		if len(w) > 4 && m.rng.IntN(2) == 0 {
			w = w[:4+m.rng.IntN(len(w)-4)]
		}
		q := string(w)
		if m.rng.IntN(3) == 0 {
			words := m.names[m.rng.IntN(len(m.names))]
			last := []rune(words[m.rng.IntN(len(words))])
			q += " " + string(last[:3+m.rng.IntN(len(last)-2)])
		}
		return q, "synonym"
	}
	words := m.names[m.rng.IntN(len(m.names))]
	k := 1 + m.rng.IntN(min(3, len(words)))
	start := m.rng.IntN(len(words) - k + 1)
	picked := slices.Clone(words[start : start+k])
	last := []rune(picked[k-1])
	picked[k-1] = string(last[:3+m.rng.IntN(len(last)-2)])
	if r < synonymShare+typoShare {
		for _, i := range m.rng.Perm(len(picked)) {
			if w := []rune(picked[i]); len(w) >= 5 {
				picked[i] = typo(m.rng, w)
				return strings.Join(picked, " "), "typo"
			}
		}
	}
	return strings.Join(picked, " "), "words"
}

// keyboardNeighbour is a letter next to each on a Swedish keyboard, for replaced letters.
var keyboardNeighbour = map[rune]rune{'a': 's', 'b': 'n', 'c': 'v', 'd': 'f', 'e': 'r', 'f': 'g', 'g': 'h', 'h': 'j',
	'i': 'o', 'j': 'k', 'k': 'l', 'l': 'ö', 'm': 'n', 'n': 'm', 'o': 'p', 'p': 'å', 'r': 't', 's': 'd', 't': 'y', 'u': 'i',
	'v': 'b', 'x': 'c', 'y': 'u', 'z': 'x', 'å': 'p', 'ä': 'ö', 'ö': 'ä'}

// typo makes one typing mistake in w (five letters or more), never in its first letter.
func typo(rng *rand.Rand, w []rune) string {
	i := 1 + rng.IntN(len(w)-2)
	switch rng.IntN(4) {
	case 0: // dropped
		w = append(w[:i:i], w[i+1:]...)
	case 1: // doubled
		w = append(w[:i+1:i+1], w[i:]...)
	case 2: // swapped with the next
		w[i], w[i+1] = w[i+1], w[i]
	default: // its neighbour on the keyboard
		if n, ok := keyboardNeighbour[w[i]]; ok {
			w[i] = n
		} else {
			w = append(w[:i:i], w[i+1:]...)
		}
	}
	return string(w)
}
