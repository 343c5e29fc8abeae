package csvfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// peekSize is how much of the start of a file NewReader looks at to tell
// text from binary and to find the delimiter, and how much text from the
// first non-ASCII byte on decides the encoding: some hundreds of rows.
const peekSize = 64 << 10

// maxRowBytes bounds one row. No sensible row comes near it; a row that
// does is a quote that is never closed swallowing the rest of the file, and
// the bound keeps memory small while that is found out.
const maxRowBytes = 1 << 20

var (
	errTooLarge   = errors.New("csvfile: file larger than MaxBytes")
	errRowTooLong = errors.New("csvfile: row longer than 1 MiB")
)

var bom = []byte("\xef\xbb\xbf")

// limitReader reads from r and fails with errTooLarge once more than max
// bytes have come. Unlike io.LimitReader it tells "exactly max" from "more".
type limitReader struct {
	r    io.Reader
	left int64 // bytes that may still come
	over bool  // errTooLarge was returned
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errTooLarge
	}
	if l.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(l.r, one[:])
		if n > 0 {
			l.over, err = true, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// textReader turns the file's bytes into UTF-8 for csv.Reader.
//
// The encoding is decided once per file. A UTF-8 byte order mark means
// UTF-8. Otherwise the first non-ASCII byte decides: if the peekSize bytes
// from there are valid UTF-8 (a character cut at the window's end aside),
// the file is UTF-8; if not, it is Windows-1252, which is what Danish Excel
// writes for "CSV (semicolon separated)". Danish letters in Windows-1252
// (æ, ø, å are E6, F8, E5) are practically never valid UTF-8, so a wrong
// guess needs a file made to fool it. Deciding at the first non-ASCII byte
// rather than at the start of the file means a file whose first hundreds of
// rows are ASCII is still read right.
//
// Invalid UTF-8 that comes later in a UTF-8 file is passed on as it is; the
// row it lands in gets encoding.invalid.
type textReader struct {
	src     *bufio.Reader // the file's bytes, a peekSize buffer
	dec     io.Reader     // nil until decided; src for UTF-8, a decoder for Windows-1252
	bom     bool
	windows bool // Windows-1252
	n       int64
	stop    int64 // n at which Read fails with errRowTooLong
}

func (t *textReader) Read(p []byte) (n int, err error) {
	if t.n >= t.stop {
		return 0, errRowTooLong
	}
	if rest := t.stop - t.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	if t.dec == nil {
		n, err = t.readUndecided(p)
	} else {
		n, err = t.dec.Read(p)
	}
	t.n += int64(n)
	return n, err
}

// readUndecided hands out the ASCII bytes at the front of the buffer and, at
// the first non-ASCII byte, decides the encoding and reads on in it.
func (t *textReader) readUndecided(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if t.src.Buffered() == 0 {
		if _, err := t.src.Peek(1); err != nil {
			return 0, err
		}
	}
	b, _ := t.src.Peek(min(t.src.Buffered(), len(p)))
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		copy(p, b[:i])
		t.src.Discard(i)
		return i, nil
	}
	t.decide()
	return t.dec.Read(p)
}

// decide chooses the encoding at the first non-ASCII byte, which is at the
// front of the buffer.
func (t *textReader) decide() {
	// A read error here comes back on the next read; what was read decides.
	w, err := t.src.Peek(peekSize)
	if validUTF8(w, err == io.EOF) {
		t.dec = t.src
		return
	}
	t.windows = true
	t.dec = transform.NewReader(t.src, charmap.Windows1252.NewDecoder())
}

// validUTF8 reports whether w is valid UTF-8, but for a character cut off at
// its end when more of the file follows.
func validUTF8(w []byte, atEOF bool) bool {
	if !atEOF {
		for k := 1; k <= utf8.UTFMax && k <= len(w); k++ {
			if utf8.RuneStart(w[len(w)-k]) {
				if !utf8.FullRune(w[len(w)-k:]) {
					w = w[:len(w)-k]
				}
				break
			}
		}
	}
	return utf8.Valid(w)
}

// encoding names the encoding decided so far.
func (t *textReader) encoding() string {
	if t.windows {
		return "windows-1252"
	}
	return "utf-8"
}

// binaryKey tells whether the start of a file is binary, and which message
// fits: one for an Excel workbook (.xlsx is a zip archive, .xls an OLE2
// file), one for Excel's "Unicode text" (UTF-16 with a byte order mark),
// and the general one. A CSV file has no NUL bytes and next to no control
// characters; a binary one has NULs or a good share of them (random bytes
// have about 11%).
func binaryKey(prefix []byte) (key string, binary bool) {
	switch {
	case bytes.HasPrefix(prefix, []byte("PK\x03\x04")),
		bytes.HasPrefix(prefix, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return CodeFileBinary + "/workbook", true
	case bytes.HasPrefix(prefix, []byte("\xff\xfe")), bytes.HasPrefix(prefix, []byte("\xfe\xff")):
		return CodeFileBinary + "/utf16", true
	}
	controls := 0
	for _, c := range prefix {
		switch {
		case c == 0:
			return CodeFileBinary, true
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0x7f:
			controls++
		}
	}
	return CodeFileBinary, controls*20 > len(prefix) // over 5%
}

// sniffComma finds the delimiter from the first line that is not blank: the
// one of ;, tab and , that appears most often outside quotes, ; on a tie
// (it is the template's), then tab (a comma is likelier inside a value).
func sniffComma(prefix []byte) rune {
	for len(prefix) > 0 {
		var line []byte
		line, prefix, _ = bytes.Cut(prefix, []byte{'\n'})
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var semi, tab, comma int
		quoted := false
		for _, c := range line {
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ';':
				semi++
			case c == '\t':
				tab++
			case c == ',':
				comma++
			}
		}
		switch {
		case semi >= tab && semi >= comma:
			return ';'
		case tab >= comma:
			return '\t'
		default:
			return ','
		}
	}
	return ';'
}
