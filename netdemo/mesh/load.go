package mesh

import "github.com/localca/localca/internal/inputfile"

// maxServicesFile bounds a services file: a few services take a few
// hundred bytes, and a mistaken path must not be read whole.
const maxServicesFile = 1 << 20

// Load reads and parses the services file at path (Parse), or the Sample
// set when path is "".
func Load(path string) (*File, error) {
	if path == "" {
		return Parse([]byte(Sample), "sample")
	}
	data, err := inputfile.Read(path, maxServicesFile)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}
