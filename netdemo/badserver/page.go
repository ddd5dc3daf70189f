package badserver

import (
	"html/template"
	"net/http"
	"strings"
)

// page is every site's page; the index site's lists the others.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Name}}</title></head>
<body>
<h1>{{.Name}}</h1>
<p id="defect">{{.Defect}}</p>
{{if .Sites}}<table>
<tr><th>case</th><th>what is wrong</th></tr>
{{range .Sites}}<tr><td><a href="https://{{.Name}}{{$.Port}}/">{{.Case}}</a></td><td>{{.Defect}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

type pageData struct {
	Name, Defect, Port string
	Sites              []Site
}

// Handler answers every path with the page of the site the connection is
// for: what is wrong with it, and on the index site the list of sites.
func (s *Server) Handler() http.Handler {
	byName := make(map[string]Site, len(s.Sites))
	for _, site := range s.Sites {
		byName[strings.ToLower(site.Name)] = site
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			http.Error(w, "TLS only", http.StatusBadRequest)
			return
		}
		site, ok := byName[strings.ToLower(r.TLS.ServerName)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		d := pageData{Name: site.Name, Defect: site.Defect}
		if strings.EqualFold(site.Name, s.Index) {
			d.Sites = s.Sites
			if i := strings.LastIndexByte(r.Host, ':'); i >= 0 && !strings.HasSuffix(r.Host, "]") {
				d.Port = r.Host[i:]
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, d)
	})
}
