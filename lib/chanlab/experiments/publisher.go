// The publisher experiment in Go (policy drop_newest: the article's select with default), for the
// cross-check with chanlab's virtual-time run. Arguments: messages interval_ms consumer_ms capacity
// start_delay_ms. Prints the delivered sequence numbers on one line, then "delivered D dropped X".
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func arg(i int) int {
	v, err := strconv.Atoi(os.Args[i])
	if err != nil {
		panic(err)
	}
	return v
}

func main() {
	n, interval, work, capacity, delay := arg(1), arg(2), arg(3), arg(4), arg(5)
	ch := make(chan int, capacity)
	dropped := 0
	go func() {
		defer close(ch)
		for i := 0; i < n; i++ {
			select {
			case ch <- i:
			default:
				dropped++ // only this goroutine writes it; main reads it after close
			}
			time.Sleep(time.Duration(interval) * time.Millisecond)
		}
	}()
	time.Sleep(time.Duration(delay) * time.Millisecond)
	var got []string
	for i := range ch {
		got = append(got, strconv.Itoa(i))
		time.Sleep(time.Duration(work) * time.Millisecond)
	}
	fmt.Println(strings.Join(got, " "))
	fmt.Printf("delivered %d dropped %d\n", len(got), dropped)
}
