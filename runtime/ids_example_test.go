package runtime_test

import (
	"errors"
	"fmt"

	"github.com/wfgo/wf/runtime"
)

func ExampleCheckID() {
	for _, id := range []string{"order-1042", "orders/1042", "__timer"} {
		err := runtime.CheckID(runtime.FieldRunID, id)
		fmt.Println(errors.Is(err, runtime.ErrInvalidID), err)
	}
	// Output:
	// false <nil>
	// true runtime: invalid runId "orders/1042": contains '/'
	// true runtime: invalid runId "__timer": names starting with "__" are reserved
}
