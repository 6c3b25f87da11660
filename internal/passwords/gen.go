//go:build ignore

// gen.go builds common.txt.gz from a source list of passwords, one a line, gzip-compressed:
//
//	go run gen.go SOURCE.txt.gz
//
// Each entry is normalised as Check normalises a password (NFC, lower case); entries that are not
// UTF-8, empty, or longer than MaxRunes are dropped; the rest are sorted and deduplicated.
package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"homeward/internal/passwords"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(source string) error {
	f, err := os.Open(source)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	var list []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || !utf8.ValidString(line) || utf8.RuneCountInString(line) > passwords.MaxRunes {
			continue
		}
		list = append(list, passwords.Fold(line))
	}
	if err := sc.Err(); err != nil {
		return err
	}
	slices.Sort(list)
	list = slices.Compact(list)
	out, err := os.Create("common.txt.gz")
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write([]byte(strings.Join(list, "\n") + "\n")); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	fmt.Printf("%d entries\n", len(list))
	return out.Close()
}
