// An example agent: opens an agent session, asks for the Gateway URL and headers of a resource,
// and POSTs {"amount": 1200} to it through the Gateway.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	caracal "caracal.run/sdk/go"
)

func main() {
	c, err := caracal.New()
	if err != nil {
		log.Fatal(err)
	}
	resourceID := os.Getenv("CARACAL_RESOURCE_ID")
	resourcePath := os.Getenv("CARACAL_RESOURCE_PATH")

	err = c.Spawn(context.Background(), func(ctx context.Context) error {
		request, err := c.GatewayRequest(ctx, resourceID, resourcePath)
		if err != nil {
			return err
		}
		req, err := request.NewRequest(ctx, "POST", strings.NewReader(`{"amount": 1200}`))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		refused := caracal.ErrorFromResponse(resp) // reason + request id for `caracal explain`; body stays readable
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		fmt.Println(string(body))
		return refused
	})
	if err != nil {
		log.Fatal(err)
	}
}
