// CPU-bound jobs on a pool of goroutines; GOMAXPROCS (set by the caller) bounds the parallelism.
// Arguments: jobs n. Prints the wall time in seconds. Used by chanlab.experiments.cpu.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func spin(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i
	}
	return s
}

var sink int

func main() {
	jobs, _ := strconv.Atoi(os.Args[1])
	n, _ := strconv.Atoi(os.Args[2])
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := time.Now()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range work {
				s := spin(n)
				mu.Lock()
				sink += s
				mu.Unlock()
			}
		}()
	}
	for j := 0; j < jobs; j++ {
		work <- n
	}
	close(work)
	wg.Wait()
	fmt.Printf("%.6f %d\n", time.Since(start).Seconds(), sink)
}
