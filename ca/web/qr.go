package web

import (
	"fmt"
	"html/template"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// qrQuietZone is the blank margin around the code, in modules: ISO/IEC 18004
// asks for four, and phone cameras need it on a dark page.
const qrQuietZone = 4

// qrSVG renders text as a QR code in an SVG element, drawn on the server so
// that the page needs no script and no image from elsewhere. Each row's dark
// modules become one path of unit squares (the viewBox scales them), which
// keeps a version-3 code for a URL under 6 kB.
func qrSVG(text string) (template.HTML, error) {
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return "", fmt.Errorf("web: QR code for %q: %w", text, err)
	}
	w := &svgWriter{}
	if err := code.Save(w); err != nil {
		return "", fmt.Errorf("web: QR code for %q: %w", text, err)
	}
	return w.svg, nil
}

// svgWriter is a qrcode.Writer that keeps the code as SVG markup.
type svgWriter struct{ svg template.HTML }

func (w *svgWriter) Write(m qrcode.Matrix) error {
	size := m.Width() + 2*qrQuietZone
	var path strings.Builder
	m.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if v.IsSet() {
			fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+qrQuietZone, y+qrQuietZone)
		}
	})
	// Only numbers are written into the markup: nothing from outside.
	w.svg = template.HTML(fmt.Sprintf(
		`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="QR code of the trust page's address" shape-rendering="crispEdges">`+
			`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size, size, size, size, path.String()))
	return nil
}

func (w *svgWriter) Close() error { return nil }
