// Command cloudassure audits Amazon CloudFront real-time logging.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudassure/cloudassure/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, cli.SystemIO(), os.Args[1:])
	stop()
	os.Exit(code)
}
