//! A small parser for PDF objects (ISO 32000-1, 7.2 and 7.3) into lopdf's object model.
//!
//! lopdf parses a whole file eagerly; the signer reads only the few objects it needs (trailer,
//! catalog, page tree path, form fields), so it parses them here, one at a time, from bounded
//! windows of the file. Hostile input is bounded: nesting depth, string and name lengths, and
//! every error is an `Err`, never a panic.

use lopdf::{Dictionary, Object, StringFormat};

/// Deeper nesting than this is refused (real files stay far below; PDF 1.7 Annex C says 28).
const MAX_DEPTH: usize = 64;

/// Why bytes did not parse as a PDF object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Offset in the parsed buffer.
    pub at: usize,
    /// What was expected.
    pub what: &'static str,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// The beginning of an indirect object: `N G obj` and its value; for a stream, where its data
/// starts (relative to the parsed buffer) instead of the data itself.
#[derive(Debug, Clone)]
pub enum Indirect {
    /// A plain object.
    Object(Object),
    /// A stream: its dictionary and the offset of the first data byte.
    Stream(Dictionary, usize),
}

/// A cursor over a byte buffer.
#[derive(Debug)]
pub struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn is_white(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delimiter(b)
}

impl<'a> Parser<'a> {
    /// A parser at `pos` in `bytes`.
    pub fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos: pos.min(bytes.len()) }
    }

    /// The current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { at: self.pos, what }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips white space and comments.
    pub fn skip_white(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(b) = self.peek() {
                    if b == b'\r' || b == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a keyword or number token (regular characters), after white space.
    pub fn token(&mut self) -> &'a [u8] {
        self.skip_white();
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    /// Consumes `keyword` (after white space) or fails.
    pub fn expect_keyword(&mut self, keyword: &'static [u8], what: &'static str) -> Result<(), SyntaxError> {
        let save = self.pos;
        if self.token() == keyword {
            Ok(())
        } else {
            self.pos = save;
            Err(self.error(what))
        }
    }

    /// Reads an unsigned integer token.
    pub fn unsigned(&mut self) -> Result<u64, SyntaxError> {
        let save = self.pos;
        let token = self.token();
        if token.is_empty() || token.len() > 19 || !token.iter().all(u8::is_ascii_digit) {
            self.pos = save;
            return Err(self.error("an unsigned integer"));
        }
        Ok(token.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    }

    /// Parses `N G obj` and the object after it; for a stream, stops at its first data byte.
    pub fn indirect(&mut self) -> Result<((u32, u16), Indirect), SyntaxError> {
        let number = u32::try_from(self.unsigned()?).map_err(|_| self.error("an object number"))?;
        let generation = u16::try_from(self.unsigned()?).map_err(|_| self.error("a generation number"))?;
        self.expect_keyword(b"obj", "the keyword obj")?;
        let object = self.object()?;
        let save = self.pos;
        if let Object::Dictionary(dict) = &object
            && self.token() == b"stream"
        {
            // The keyword is followed by CRLF or LF (a lone CR is tolerated, as readers do).
            match (self.bytes.get(self.pos), self.bytes.get(self.pos + 1)) {
                (Some(b'\r'), Some(b'\n')) => self.pos += 2,
                (Some(b'\n' | b'\r'), _) => self.pos += 1,
                _ => return Err(self.error("an end of line after the keyword stream")),
            }
            return Ok(((number, generation), Indirect::Stream(dict.clone(), self.pos)));
        }
        self.pos = save;
        Ok(((number, generation), Indirect::Object(object)))
    }

    /// Parses one direct object (which may be a reference `N G R`).
    pub fn object(&mut self) -> Result<Object, SyntaxError> {
        self.object_at_depth(0)
    }

    fn object_at_depth(&mut self, depth: usize) -> Result<Object, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("objects nested less deeply"));
        }
        self.skip_white();
        match self.peek() {
            None => Err(self.error("an object, not the end of the data")),
            Some(b'/') => self.name().map(Object::Name),
            Some(b'(') => self.literal_string().map(|s| Object::String(s, StringFormat::Literal)),
            Some(b'<') if self.bytes.get(self.pos + 1) == Some(&b'<') => self.dictionary(depth).map(Object::Dictionary),
            Some(b'<') => self.hex_string().map(|s| Object::String(s, StringFormat::Hexadecimal)),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        None => return Err(self.error("the end of an array")),
                        _ => items.push(self.object_at_depth(depth + 1)?),
                    }
                }
            }
            Some(_) => self.atom(),
        }
    }

    fn dictionary(&mut self, depth: usize) -> Result<Dictionary, SyntaxError> {
        self.pos += 2;
        let mut dict = Dictionary::new();
        loop {
            self.skip_white();
            match self.peek() {
                Some(b'>') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(dict);
                }
                Some(b'/') => {
                    let key = self.name()?;
                    let value = self.object_at_depth(depth + 1)?;
                    // A null value is the same as an absent key (7.3.7).
                    if !matches!(value, Object::Null) {
                        dict.set(key, value);
                    }
                }
                None => return Err(self.error("the end of a dictionary")),
                _ => return Err(self.error("a name as dictionary key")),
            }
        }
    }

    /// Numbers, booleans, null, and references.
    fn atom(&mut self) -> Result<Object, SyntaxError> {
        let start = self.pos;
        let token = self.token();
        match token {
            b"true" => return Ok(Object::Boolean(true)),
            b"false" => return Ok(Object::Boolean(false)),
            b"null" => return Ok(Object::Null),
            _ => {}
        }
        if token.is_empty() {
            return Err(SyntaxError { at: start, what: "an object" });
        }
        let is_integer = |t: &[u8]| {
            let digits = t.strip_prefix(b"+").or_else(|| t.strip_prefix(b"-")).unwrap_or(t);
            !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit)
        };
        if is_integer(token) {
            let value: i64 = std::str::from_utf8(token)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or(SyntaxError { at: start, what: "an integer" })?;
            // `N G R`: look ahead without consuming unless both parts are there.
            if value >= 0 {
                let save = self.pos;
                let generation = self.token();
                if !generation.is_empty() && generation.len() <= 5 && generation.iter().all(u8::is_ascii_digit) {
                    let reference = self.token();
                    if reference == b"R"
                        && let (Ok(number), Ok(generation)) =
                            (u32::try_from(value), std::str::from_utf8(generation).unwrap_or("x").parse::<u16>())
                    {
                        return Ok(Object::Reference((number, generation)));
                    }
                }
                self.pos = save;
            }
            return Ok(Object::Integer(value));
        }
        let text = std::str::from_utf8(token).map_err(|_| SyntaxError { at: start, what: "a number" })?;
        let valid = text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-'))
            && text.bytes().filter(|b| *b == b'.').count() == 1;
        match text.parse::<f32>() {
            Ok(value) if valid && value.is_finite() => Ok(Object::Real(value)),
            _ => Err(SyntaxError { at: start, what: "an object" }),
        }
    }

    fn name(&mut self) -> Result<Vec<u8>, SyntaxError> {
        self.pos += 1; // '/'
        let mut name = Vec::new();
        while let Some(b) = self.peek().filter(|b| is_regular(*b)) {
            if b == b'#'
                && let Some(value) = self.bytes.get(self.pos + 1..self.pos + 3).and_then(|h| hex_pair(h[0], h[1]))
            {
                name.push(value);
                self.pos += 3;
                continue;
            }
            name.push(b);
            self.pos += 1;
        }
        Ok(name)
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, SyntaxError> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut open = 1usize;
        loop {
            let Some(b) = self.peek() else { return Err(self.error("the end of a string")) };
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    out.push(b);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { return Err(self.error("an escape")) };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(b'\x08'),
                        b'f' => out.push(b'\x0c'),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((value & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    fn hex_string(&mut self) -> Result<Vec<u8>, SyntaxError> {
        self.pos += 1; // '<'
        let mut digits = Vec::new();
        loop {
            let Some(b) = self.peek() else { return Err(self.error("the end of a hex string")) };
            self.pos += 1;
            match b {
                b'>' => break,
                b if b.is_ascii_hexdigit() => digits.push(b),
                b if is_white(b) => {}
                _ => return Err(self.error("a hex digit")),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(b'0');
        }
        Ok(digits.chunks(2).filter_map(|p| hex_pair(p[0], p[1])).collect())
    }
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Object {
        Parser::new(text.as_bytes(), 0).object().expect("parses")
    }

    #[test]
    fn objects_of_every_kind() {
        assert_eq!(parse("12 0 R"), Object::Reference((12, 0)));
        assert_eq!(parse("12 0"), Object::Integer(12));
        assert_eq!(parse("-3.5"), Object::Real(-3.5));
        assert_eq!(parse("/A#20B"), Object::Name(b"A B".to_vec()));
        assert_eq!(parse("(a(b)\\)\\101\\\nc)"), Object::String(b"a(b))Ac".to_vec(), StringFormat::Literal));
        assert_eq!(parse("<4 1 4>"), Object::String(b"A@".to_vec(), StringFormat::Hexadecimal));
        let dict = parse("<</Type/Page/Kids[1 0 R 2 0 R]/N null % comment\n/X true>>");
        let dict = dict.as_dict().expect("dict");
        assert_eq!(dict.get(b"Kids").and_then(Object::as_array).map(Vec::len).ok(), Some(2));
        assert!(!dict.has(b"N"));
        assert_eq!(dict.get(b"X").ok(), Some(&Object::Boolean(true)));
    }

    #[test]
    fn indirect_stream_start() {
        let text = b"7 0 obj\n<</Length 3>>stream\r\nabc\nendstream endobj";
        let (id, parsed) = Parser::new(text, 0).indirect().expect("parses");
        assert_eq!(id, (7, 0));
        let Indirect::Stream(dict, start) = parsed else { panic!("not a stream") };
        assert_eq!(dict.get(b"Length").ok(), Some(&Object::Integer(3)));
        assert_eq!(&text[start..start + 3], b"abc");
    }

    #[test]
    fn hostile_input_is_an_error() {
        let deep = "[".repeat(100_000);
        assert!(Parser::new(deep.as_bytes(), 0).object().is_err());
        for bad in ["<</A", "(unterminated", "<4G>", "[1 2", "", ">>", "1.2.3", "<</A 1 /B>>"] {
            assert!(Parser::new(bad.as_bytes(), 0).object().is_err(), "{bad:?} parsed");
        }
    }
}
