// A large object to the cluster and back with progress bars: PutWithProgress and
// GetWithProgress report (bytes done, bytes total) from a thread of the library's, at
// most ten times a second, the last report before the call returns.
//
//	go run ./examples/progress [ray://host:port] [MiB, default 1024]
//
// The address defaults to RAY_ADDRESS.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	ray "github.com/ray-client/ray-client/bindings/go"
)

// bar draws done of total on one line of stderr.
func bar(what string) func(done, total int64) {
	return func(done, total int64) {
		const width = 40
		filled := 0
		of := "?"
		if total > 0 {
			filled = int(done * width / total)
			of = fmt.Sprintf("%.1f", float64(total)/(1<<20))
		}
		fmt.Fprintf(os.Stderr, "\r%s [%s%s] %7.1f / %s MiB", what, strings.Repeat("#", filled),
			strings.Repeat(" ", width-filled), float64(done)/(1<<20), of)
		if total > 0 && done == total {
			fmt.Fprintln(os.Stderr)
		}
	}
}

func main() {
	address, mib := "", 1024
	if len(os.Args) > 1 {
		address = os.Args[1]
	}
	if len(os.Args) > 2 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n < 0 {
			fmt.Fprintln(os.Stderr, "MiB must be a whole number")
			os.Exit(2)
		}
		mib = n
	}
	ctx := context.Background()
	c, err := ray.Connect(ctx, address)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	data := bytes.Repeat([]byte{0x2a}, mib<<20)
	ref, err := c.PutWithProgress(ctx, data, bar("put"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer ref.Close()
	back, err := c.GetWithProgress(ctx, ref, bar("get"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if b, ok := back.([]byte); !ok || !bytes.Equal(b, data) {
		fmt.Println(mib, "MiB: DIFFERENT bytes back")
		os.Exit(1)
	}
	fmt.Println(mib, "MiB: the same bytes back")
}
