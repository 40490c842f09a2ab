package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	kine "github.com/k3s-io/kine/pkg/app"
)

// kine serves the etcd API on SQLite: the API server's datastore.
func init() {
	components["kine"] = func() int {
		if err := kine.New().Run(os.Args); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "kine:", err)
			return 1
		}
		return 0
	}
}
