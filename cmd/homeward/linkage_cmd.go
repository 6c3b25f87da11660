package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"homeward/internal/personlink"
)

// linkageCmd is `homeward linkage rotate-key` (a new linkage key in every store, every person
// re-encoded, the hub's encodings replaced) and `homeward linkage publish` (encode what is missing
// and publish to the hub now, as the server's worker does every few seconds).
func linkageCmd(ctx context.Context, args []string) (int, error) {
	const use = "linkage rotate-key | linkage publish"
	if len(args) != 1 || (args[0] != "rotate-key" && args[0] != "publish") {
		return 2, fmt.Errorf("%w: %s", errUsage, use)
	}
	a, err := openApp(ctx)
	if err != nil {
		return 1, err
	}
	defer a.Close()
	if args[0] == "rotate-key" {
		version, counts, err := a.Linkage.RotateKey(ctx)
		if err != nil {
			return 1, err
		}
		fmt.Printf("linkage key rotated in every store: version %d; persons re-encoded: %s\n", version, perStore(counts))
	}
	counts, err := personlink.ReencodeAll(ctx, a.Stores, func() time.Time { return time.Now().UTC() })
	if err != nil {
		return 1, err
	}
	fmt.Printf("persons looked at for a missing encoding: %s\n", perStore(counts))
	n, err := a.Linkage.PublishAll(ctx)
	if err != nil {
		return 1, err
	}
	fmt.Printf("published %d encodings to the hub\n", n)
	return 0, nil
}

func perStore(counts map[string]int) string {
	var parts []string
	for cc, n := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", cc, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
