package caracal

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseTOML reads the subset of TOML that runtime profiles use: comments, bare keys with
// string, integer, boolean and array values (arrays may span lines), and [[name]] arrays of
// tables. [name] tables yield a table value under that key; dotted or quoted keys, inline tables,
// floats and dates are reported as unsupported. Duplicate keys are errors.
func parseTOML(text string) (map[string]any, error) {
	root := map[string]any{}
	current := root
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimSpace(stripComment(lines[i]))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[[") {
			if !strings.HasSuffix(line, "]]") {
				return nil, fmt.Errorf("line %d: unterminated array-of-tables header", lineNo)
			}
			name := strings.TrimSpace(line[2 : len(line)-2])
			if !isBareKey(name) {
				return nil, fmt.Errorf("line %d: unsupported table name %q", lineNo, name)
			}
			table := map[string]any{}
			switch existing := root[name].(type) {
			case nil:
				root[name] = []map[string]any{table}
			case []map[string]any:
				root[name] = append(existing, table)
			default:
				return nil, fmt.Errorf("line %d: `%s` is already defined as a value", lineNo, name)
			}
			current = table
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: unterminated table header", lineNo)
			}
			name := strings.TrimSpace(line[1 : len(line)-1])
			if !isBareKey(name) {
				return nil, fmt.Errorf("line %d: unsupported table name %q", lineNo, name)
			}
			if _, dup := root[name]; dup {
				return nil, fmt.Errorf("line %d: duplicate key `%s`", lineNo, name)
			}
			table := map[string]any{}
			root[name] = table
			current = table
			continue
		}
		key, rest, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: expected `key = value`", lineNo)
		}
		key = strings.TrimSpace(key)
		if !isBareKey(key) {
			return nil, fmt.Errorf("line %d: unsupported key %q (only bare keys are supported)", lineNo, key)
		}
		if _, dup := current[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key `%s`", lineNo, key)
		}
		value := strings.TrimSpace(rest)
		// an array may continue on the following lines until its brackets balance
		for strings.HasPrefix(value, "[") && !balanced(value) && i+1 < len(lines) {
			i++
			value += " " + strings.TrimSpace(stripComment(lines[i]))
		}
		p := &valueParser{s: value}
		v, err := p.value()
		if err == nil {
			p.skipSpace()
			if p.pos < len(p.s) {
				err = fmt.Errorf("unexpected %q after the value", p.s[p.pos:])
			}
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: `%s`: %v", lineNo, key, err)
		}
		current[key] = v
	}
	return root, nil
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// stripComment removes a # comment that is not inside a string.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return line[:i]
		}
	}
	return line
}

func balanced(s string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '[':
			depth++
		case quote == 0 && c == ']':
			depth--
		}
	}
	return depth <= 0
}

type valueParser struct {
	s   string
	pos int
}

func (p *valueParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *valueParser) value() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("missing value")
	}
	switch c := p.s[p.pos]; {
	case c == '"':
		if strings.HasPrefix(p.s[p.pos:], `"""`) {
			return nil, fmt.Errorf("multi-line strings are not supported")
		}
		return p.basicString()
	case c == '\'':
		if strings.HasPrefix(p.s[p.pos:], "'''") {
			return nil, fmt.Errorf("multi-line strings are not supported")
		}
		end := strings.IndexByte(p.s[p.pos+1:], '\'')
		if end < 0 {
			return nil, fmt.Errorf("unterminated string")
		}
		v := p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return v, nil
	case c == '[':
		return p.array()
	case c == '{':
		return nil, fmt.Errorf("inline tables are not supported")
	default:
		start := p.pos
		for p.pos < len(p.s) && !strings.ContainsRune(" \t,]", rune(p.s[p.pos])) {
			p.pos++
		}
		word := p.s[start:p.pos]
		switch word {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimPrefix(word, "+"), "_", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("unsupported value %q (expected a string, integer, boolean or array)", word)
		}
		return n, nil
	}
}

func (p *valueParser) basicString() (string, error) {
	var b strings.Builder
	p.pos++ // opening quote
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				return "", fmt.Errorf("unterminated escape")
			}
			e := p.s[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if p.pos+n > len(p.s) {
					return "", fmt.Errorf("short unicode escape")
				}
				r, err := strconv.ParseUint(p.s[p.pos:p.pos+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(r)) {
					return "", fmt.Errorf("invalid unicode escape")
				}
				b.WriteRune(rune(r))
				p.pos += n
			default:
				return "", fmt.Errorf("invalid escape \\%c", e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", fmt.Errorf("unterminated string")
}

func (p *valueParser) array() ([]any, error) {
	p.pos++ // [
	out := []any{}
	for {
		p.skipSpace()
		if p.pos >= len(p.s) {
			return nil, fmt.Errorf("unterminated array")
		}
		if p.s[p.pos] == ']' {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			return out, nil
		}
		return nil, fmt.Errorf("expected `,` or `]` in array")
	}
}
