package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
)

// mobileconfig is an Apple configuration profile that installs the root as
// a trusted certificate (payload type com.apple.security.root) on iOS,
// iPadOS and macOS. Its UUIDs are derived from the root's SHA-256, so a
// second download is the same profile, and a new root a different one.
func mobileconfig(root *x509.Certificate) []byte {
	sum := sha256.Sum256(root.Raw)
	outer, inner := uuidOf(sum[:16]), uuidOf(sum[16:])
	name := root.Subject.CommonName
	if name == "" {
		name = "localca root"
	}
	var b bytes.Buffer
	str := func(key, value string) {
		fmt.Fprintf(&b, "<key>%s</key><string>", key)
		xml.EscapeText(&b, []byte(value))
		b.WriteString("</string>\n")
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>PayloadContent</key>
<array>
<dict>
`)
	str("PayloadCertificateFileName", "localca-root.crt")
	fmt.Fprintf(&b, "<key>PayloadContent</key><data>%s</data>\n", base64.StdEncoding.EncodeToString(root.Raw))
	str("PayloadDescription", "Adds the localca root certificate")
	str("PayloadDisplayName", name)
	str("PayloadIdentifier", "localca.root."+inner)
	str("PayloadType", "com.apple.security.root")
	str("PayloadUUID", inner)
	b.WriteString("<key>PayloadVersion</key><integer>1</integer>\n</dict>\n</array>\n")
	str("PayloadDescription", fmt.Sprintf("Trust certificates issued by %s (SHA-256 %x)", name, sum))
	str("PayloadDisplayName", "localca: "+name)
	str("PayloadIdentifier", "localca."+outer)
	b.WriteString("<key>PayloadRemovalDisallowed</key><false/>\n")
	str("PayloadType", "Configuration")
	str("PayloadUUID", outer)
	b.WriteString("<key>PayloadVersion</key><integer>1</integer>\n</dict>\n</plist>\n")
	return b.Bytes()
}

// uuidOf formats 16 bytes as an RFC 9562 UUID of version 8 (custom).
func uuidOf(b []byte) string {
	u := [16]byte(b)
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
