package netdemo_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net/url"

	"github.com/localca/localca/netdemo"
)

func ExampleParseAllowRules() {
	rules, err := netdemo.ParseAllowRules([]string{"uri:spiffe://localca.test/*", "dns:*.ops.localca.test"})
	if err != nil {
		fmt.Println(err)
		return
	}
	web, _ := url.Parse("spiffe://localca.test/web")
	peer := &x509.Certificate{Subject: pkix.Name{CommonName: "web"}, URIs: []*url.URL{web}}
	fmt.Println("web allowed:", rules.Allow(peer) == nil)

	stranger := &x509.Certificate{Subject: pkix.Name{CommonName: "x"}, DNSNames: []string{"x.other.test"}}
	fmt.Println("stranger refused:", errors.Is(rules.Allow(stranger), netdemo.ErrNotAllowed))
	// Output:
	// web allowed: true
	// stranger refused: true
}

func ExampleUDPClient_Exchange() {
	c := &netdemo.UDPClient{} // default limit: 1472 bytes
	_, err := c.Exchange(context.Background(), "127.0.0.1:9", make([]byte, 2000))
	fmt.Println(err)
	fmt.Println(errors.Is(err, netdemo.ErrPayloadTooLarge))
	// Output:
	// netdemo: payload of 2000 bytes exceeds the limit of 1472 bytes (nothing sent)
	// true
}
