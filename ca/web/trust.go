package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

// trustView is the trust section: the root's downloads, its fingerprint,
// the QR code of the trust page and the steps per platform. It is built
// once: all of it follows from the root and the server's addresses.
type trustView struct {
	RootName    string
	SHA256      string // lower-case hex, as `localca ca info` prints it
	SHA256Colon string // upper-case with colons, as browsers and phones show it
	CRTHref     string
	PEMHref     string
	ConfigHref  string
	TrustURL    string // what the QR code says
	PlainHTTP   bool   // TrustURL is on the plain-HTTP listener
	QR          template.HTML
	Platforms   []platformView

	rootPEM, mobileconfig []byte
}

// platformView is how to trust the root on one platform: steps in words and
// commands to paste.
type platformView struct {
	Name     string
	Steps    []string
	Commands []string
}

func newTrustView(cfg Config) (trustView, error) {
	root := cfg.CA.Root()
	sum := sha256.Sum256(root.Raw)
	colon := make([]string, len(sum))
	for i, b := range sum {
		colon[i] = fmt.Sprintf("%02X", b)
	}
	// Downloads in commands name the plain-HTTP address where there is
	// one: a machine that does not trust the root yet cannot fetch it
	// over https without turning verification off.
	base := cfg.HTTPBaseURL
	if base == "" {
		base = cfg.BaseURL
	}
	v := trustView{
		RootName:    root.Subject.CommonName,
		SHA256:      hex.EncodeToString(sum[:]),
		SHA256Colon: strings.Join(colon, ":"),
		CRTHref:     pathRootCRT,
		PEMHref:     pathRootPEM,
		ConfigHref:  pathMobileconfig,
		TrustURL:    base + pathTrust,
		PlainHTTP:   cfg.HTTPBaseURL != "",
		Platforms:   platforms(base+pathRootCRT, root.Subject.CommonName),

		rootPEM:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}),
		mobileconfig: mobileconfig(root),
	}
	if base == "" {
		v.TrustURL = pathTrust
	}
	var err error
	if strings.Contains(v.TrustURL, "://") {
		v.QR, err = qrSVG(v.TrustURL)
	}
	return v, err
}

// platforms are the steps to trust the root, per platform, as of the
// systems' current releases. crtURL is where the DER root can be fetched.
func platforms(crtURL, name string) []platformView {
	fetch := "curl -fsSo localca-root.crt " + crtURL
	return []platformView{
		{Name: "Android", Steps: []string{
			"Download localca-root.crt from this page (the .crt link above).",
			"Open Settings → Security & privacy → More security settings → Encryption & credentials → Install a certificate → CA certificate, tap Install anyway, and pick the file. (Since Android 11 a CA cannot be installed from the browser's download prompt.)",
			"Check it under Encryption & credentials → Trusted credentials → User: " + name + ".",
			"Chrome trusts it; other apps only if they opt in to user CAs (network_security_config).",
		}},
		{Name: "iOS and iPadOS", Steps: []string{
			"Open this page in Safari and tap localca.mobileconfig, then Allow.",
			"Open Settings → Profile Downloaded → Install, and enter the passcode.",
			"Open Settings → General → About → Certificate Trust Settings and turn on full trust for " + name + ". Without this step Safari still warns.",
		}},
		{Name: "Windows", Steps: []string{
			"Download localca-root.crt, then in an administrator PowerShell or Command Prompt run the command below. Or double-click the file → Install Certificate → Local Machine → Place all certificates in: Trusted Root Certification Authorities.",
			"Edge, Chrome and most programs use this store; Firefox and Java keep their own (below).",
		}, Commands: []string{fetch, "certutil -addstore -f Root localca-root.crt"}},
		{Name: "macOS", Steps: []string{
			"Download localca-root.crt and run the command below; or open localca.mobileconfig, then System Settings → Privacy & Security → Profiles → Install.",
			"Safari and Chrome use the system keychain.",
		}, Commands: []string{fetch, "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain localca-root.crt"}},
		{Name: "Linux", Steps: []string{
			"Debian and Ubuntu: the first pair of commands; Fedora, RHEL and Arch: the second. Curl, OpenSSL, Go and Python then trust it.",
			"Chrome and Chromium on Linux read their own NSS database: the certutil command (libnss3-tools).",
			"On the CA's own machine, localca trust install does all of this.",
		}, Commands: []string{
			fetch,
			"sudo cp localca-root.crt /usr/local/share/ca-certificates/ && sudo update-ca-certificates",
			"sudo cp localca-root.crt /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust",
			"certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n localca -i localca-root.crt",
		}},
		{Name: "Firefox", Steps: []string{
			"Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import, pick localca-root.crt, and tick “Trust this CA to identify websites”.",
			"On Windows and macOS, Firefox can use the system's store instead: about:config, security.enterprise_roots.enabled = true.",
		}},
		{Name: "Java", Steps: []string{
			"Import into the JDK's cacerts (Java 9 and later; run as the JDK's owner). The default store password is changeit.",
		}, Commands: []string{fetch, "keytool -importcert -noprompt -cacerts -storepass changeit -alias localca -file localca-root.crt"}},
	}
}

func (p *Page) trustPage(w http.ResponseWriter, r *http.Request) {
	t := p.trust
	p.render(w, r, http.StatusOK, &pageView{Title: "Trust " + t.RootName, Trust: &t, Links: p.links()})
}
