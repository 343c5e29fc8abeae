package csvfile

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

const benchRows = 100_000

// benchFile is a file of benchRows C rows, half with CPR numbers and half
// with dates of birth, with Danish letters; as UTF-8 and as Windows-1252.
var benchFile = sync.OnceValues(func() (utf, windows []byte) {
	var b bytes.Buffer
	b.WriteString(Template + "\r\n")
	for i := range benchRows {
		day, month, yy := i%28+1, i/28%12+1, i%100
		id := fmt.Sprintf("%02d%02d%02d1%03d;", day, month, yy, i%1000)
		if i%2 == 1 {
			id = fmt.Sprintf(";%02d%02d19%02d", day, month, yy)
		}
		fmt.Fprintf(&b, "C;;Søren %d;Ærø-Ågård;%s;bruger%06d@example.dk;%08d;N;;3;;;;\r\n",
			i, id, i, 20000000+i)
	}
	utf = b.Bytes()
	windows, err := charmap.Windows1252.NewEncoder().Bytes(utf)
	if err != nil {
		panic(err)
	}
	return utf, windows
})

func BenchmarkReader(b *testing.B) {
	utf, windows := benchFile()
	for _, bc := range []struct {
		name string
		data []byte
	}{{"utf-8", utf}, {"windows-1252", windows}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			total := 0
			for b.Loop() {
				rd, err := NewReader(bytes.NewReader(bc.data), Options{})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					row, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if len(row.Problems) > 0 {
						b.Fatalf("line %d: %+v", row.Line, row.Problems)
					}
					n++
				}
				if n != benchRows {
					b.Fatalf("%d rows, want %d", n, benchRows)
				}
				total += n
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
