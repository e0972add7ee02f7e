// Command go-tar lists a gzip tar the way Go's archive/tar reads it, which is how Helm's chart
// loader (helm.sh/helm/v3/pkg/chart/loader.LoadArchive) and KubeVela read an addon archive:
// every entry that is not a folder or a pax header, with its name, type, size and sha256, as
// JSON lines. The velahub tests compare this with what velahub validated.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

type entry struct {
	Name     string `json:"name"`
	Typeflag string `json:"typeflag"`
	Size     int64  `json:"size"`
	Sha256   string `json:"sha256"`
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail(err)
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		fail(err)
	}
	tr := tar.NewReader(gz)
	out := json.NewEncoder(os.Stdout)
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			fail(err)
		}
		// As Helm's LoadArchive: folders and extension headers are skipped, everything else is a file.
		if hd.FileInfo().IsDir() || hd.Typeflag == tar.TypeXGlobalHeader || hd.Typeflag == tar.TypeXHeader {
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, tr)
		if err != nil {
			fail(err)
		}
		if err := out.Encode(entry{Name: hd.Name, Typeflag: string(rune(hd.Typeflag)), Size: n, Sha256: hex.EncodeToString(h.Sum(nil))}); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
