package dnssrv_test

import (
	"context"
	"fmt"

	"github.com/miekg/dns"

	"github.com/localca/localca/netdemo/dnssrv"
)

// A zone takes records in zone-file form; Persist sees each change before
// it is applied, which is where a caller writes its store.
func ExampleZone() {
	zone, err := dnssrv.NewZone(dnssrv.ZoneConfig{
		Origin: "localca.test.",
		Persist: func(added, removed []dns.RR) error {
			fmt.Println("persist:", len(added), "added,", len(removed), "removed")
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	srv, err := zone.ParseRR("_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.")
	if err != nil {
		panic(err)
	}
	a, _ := zone.ParseRR("web 60 IN A 127.0.0.1") // relative to the zone
	if err := zone.Add(srv, a); err != nil {
		panic(err)
	}
	for _, rr := range zone.Records() {
		fmt.Println(rr)
	}
	_, err = zone.ParseRR("www.example.com. 60 IN A 127.0.0.1")
	fmt.Println(err)
	// Output:
	// persist: 2 added, 0 removed
	// _web._tcp.localca.test.	60	IN	SRV	10 5 8443 web.localca.test.
	// web.localca.test.	60	IN	A	127.0.0.1
	// dnssrv: name outside the zone: www.example.com. is not in localca.test.
}

// Serve the zone on loopback and discover a service through it.
func ExampleLookupSRV() {
	zone, _ := dnssrv.NewZone(dnssrv.ZoneConfig{})
	for _, text := range []string{
		"_echo._tcp.localca.test. 60 IN SRV 10 5 7000 echo.localca.test.",
		"echo.localca.test. 60 IN A 127.0.0.1",
	} {
		rr, _ := zone.ParseRR(text)
		_ = zone.Add(rr)
	}
	// Listen puts UDP and TCP on one OS-chosen port, trying another when
	// the UDP port is already taken for TCP.
	pc, ln, err := dnssrv.Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	started := make(chan struct{})
	server := &dnssrv.Server{Zone: zone, NotifyStarted: func() { close(started) }}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- server.Serve(ctx, pc, ln) }()
	<-started

	srvs, addrs, err := dnssrv.LookupSRV(context.Background(), pc.LocalAddr().String(), "echo", "tcp", "localca.test.")
	if err != nil {
		panic(err)
	}
	for _, s := range dnssrv.Order(srvs, nil) {
		fmt.Println(s.Target, s.Port, addrs[s.Target])
	}
	stop()
	fmt.Println("stopped:", <-done)
	// Output:
	// echo.localca.test. 7000 [127.0.0.1]
	// stopped: <nil>
}
